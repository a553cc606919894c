import { toDecimalString } from '../../domain/money';
import { formatBeijingTime } from '../beijing-time';
import type { ChannelAccountConfig } from '../channel-config';
import type {
  BillCsv,
  BillRow,
  CancelResult,
  ChannelPort,
  CloseResult,
  NotifyVerification,
  PayRequest,
  PayResult,
  QueryResult,
  RefundQueryResult,
  RefundRequest,
  RefundResult,
} from '../channel-port';
import { downloadAlipayBill, downloadAlipayBillCsv } from './alipay-bill';
import { amountRefusal, beijingInstant, fen, text } from './alipay-fields';
import { AlipayGateway, type AlipayAnswer } from './alipay-gateway';
import { verifyAlipayNotify } from './alipay-notify';
import { refundAtAlipay, queryRefundAtAlipay } from './alipay-refunds';

/**
 * A ChannelPort over an Alipay-style account (the sandbox or a real one: only configuration differs).
 * Every outcome comes from the code table (alipay-codes.ts). A channel "system error" on pay is answered
 * by asking the channel about the trade: if it has none, the refusal is definitive and retryable
 * (DECLINED, retryable); if it has one, its status is the answer. A timeout, transport error or 20000
 * is UNKNOWN without guessing: the request may still land, so only a later query can tell.
 */
export class AlipayChannel implements ChannelPort {
  readonly name: string;
  private readonly gateway: AlipayGateway;

  constructor(private readonly account: ChannelAccountConfig) {
    this.name = account.name;
    this.gateway = new AlipayGateway(account);
  }

  async pay(req: PayRequest): Promise<PayResult> {
    const refusal = amountRefusal(req.amount, req.currency);
    if (refusal) return { outcome: 'DECLINED', ...refusal, retryable: false };
    const order = {
      out_trade_no: req.outTradeNo,
      total_amount: toDecimalString(req.amount, 'CNY'),
      subject: req.subject,
      // Truncated to the second: the channel closes no later than our deadline.
      time_expire: formatBeijingTime(req.expiresAt),
    };
    const token = req.method?.token;
    const call = token
      ? await this.gateway.call('alipay.trade.pay', { ...order, scene: 'bar_code', auth_code: token }, true)
      : await this.gateway.call('alipay.trade.precreate', order, true);
    if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
    const { answer } = call;
    switch (answer.outcome) {
      case 'SUCCESS':
        return token ? paidFrom(answer) : pendingQr(answer);
      case 'PENDING':
        return { outcome: 'PENDING', channelTradeNo: text(answer.fields, 'trade_no'), nextAction: null };
      case 'RETRYABLE_DECLINE':
      case 'ALREADY_PAID':
        return this.payResultFromQuery(req.outTradeNo, answer);
      case 'HARD_DECLINE':
      case 'CLOSED':
        return { outcome: 'DECLINED', code: answer.code, message: answer.message, retryable: false };
      default:
        return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
    }
  }

  async query(outTradeNo: string): Promise<QueryResult> {
    const call = await this.gateway.call('alipay.trade.query', { out_trade_no: outTradeNo });
    if (!call.answered) return { status: 'UNKNOWN', code: call.code, message: call.message };
    const { answer } = call;
    if (answer.outcome === 'NOT_FOUND') return { status: 'NOT_FOUND' };
    if (answer.outcome !== 'SUCCESS')
      return { status: 'UNKNOWN', code: answer.code, message: answer.message };
    const channelTradeNo = text(answer.fields, 'trade_no');
    const amount = fen(answer.fields, 'total_amount');
    switch (text(answer.fields, 'trade_status')) {
      case 'WAIT_BUYER_PAY':
        return { status: 'WAIT_BUYER_PAY', channelTradeNo };
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED':
        if (channelTradeNo === null || amount === null) break;
        return {
          status: 'PAID',
          channelTradeNo,
          amount,
          paidAt: beijingInstant(answer.fields, 'send_pay_date'),
        };
      case 'TRADE_CLOSED':
        // Also a paid trade refunded in full: Alipay reports it closed, as do we.
        return { status: 'CLOSED', channelTradeNo };
    }
    return { status: 'UNKNOWN', code: 'UNEXPECTED_TRADE', message: JSON.stringify(answer.fields) };
  }

  async close(outTradeNo: string): Promise<CloseResult> {
    const call = await this.gateway.call('alipay.trade.close', { out_trade_no: outTradeNo });
    if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
    const { answer } = call;
    if (answer.outcome === 'SUCCESS') return { outcome: 'CLOSED' };
    if (answer.outcome === 'NOT_FOUND') return { outcome: 'NOT_FOUND' };
    if (!['WRONG_STATUS', 'ALREADY_PAID', 'CLOSED'].includes(answer.outcome)) {
      return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
    }
    // Not closable: paid (the buyer won the race) or closed already; the trade's status says which.
    const trade = await this.query(outTradeNo);
    if (trade.status === 'PAID')
      return { outcome: 'ALREADY_PAID', channelTradeNo: trade.channelTradeNo, paidAt: trade.paidAt };
    if (trade.status === 'CLOSED') return { outcome: 'CLOSED' };
    if (trade.status === 'NOT_FOUND') return { outcome: 'NOT_FOUND' };
    return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
  }

  async cancel(outTradeNo: string): Promise<CancelResult> {
    const call = await this.gateway.call('alipay.trade.cancel', { out_trade_no: outTradeNo });
    if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
    const { answer } = call;
    if (answer.outcome === 'NOT_FOUND') return { outcome: 'REVERSED', action: 'NONE' };
    if (answer.outcome !== 'SUCCESS' || text(answer.fields, 'retry_flag') === 'Y') {
      return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
    }
    const action = text(answer.fields, 'action');
    return {
      outcome: 'REVERSED',
      action: action === 'refund' ? 'REFUNDED' : action === 'close' ? 'CLOSED' : 'NONE',
    };
  }

  refund(req: RefundRequest): Promise<RefundResult> {
    return refundAtAlipay(this.gateway, req);
  }

  refundQuery(outTradeNo: string, outRequestNo: string): Promise<RefundQueryResult> {
    return queryRefundAtAlipay(this.gateway, outTradeNo, outRequestNo);
  }

  billRows(billDate: string): AsyncIterable<BillRow> {
    return downloadAlipayBill(this.gateway, billDate, this.account.timeoutMs);
  }

  billCsv(billDate: string): Promise<BillCsv> {
    return downloadAlipayBillCsv(this.gateway, billDate, this.account.timeoutMs);
  }

  verifyNotify(fields: Record<string, string>): NotifyVerification {
    return verifyAlipayNotify(fields, this.account.appId, (signed) =>
      this.gateway.verifyNotifySignature(signed),
    );
  }

  /** The refusal stands only if the channel has no such trade; otherwise the trade's status answers. */
  private async payResultFromQuery(outTradeNo: string, answer: AlipayAnswer): Promise<PayResult> {
    const trade = await this.query(outTradeNo);
    switch (trade.status) {
      case 'NOT_FOUND':
        if (answer.outcome !== 'RETRYABLE_DECLINE') break;
        return { outcome: 'DECLINED', code: answer.code, message: answer.message, retryable: true };
      case 'WAIT_BUYER_PAY':
        return { outcome: 'PENDING', channelTradeNo: trade.channelTradeNo, nextAction: null };
      case 'PAID':
        return { outcome: 'PAID', channelTradeNo: trade.channelTradeNo, paidAt: trade.paidAt };
      case 'CLOSED':
        return { outcome: 'DECLINED', code: 'TRADE_HAS_CLOSE', message: answer.message, retryable: false };
    }
    return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
  }
}

/** alipay.trade.pay answered 10000: the buyer paid synchronously. */
function paidFrom(answer: AlipayAnswer): PayResult {
  const channelTradeNo = text(answer.fields, 'trade_no');
  if (channelTradeNo === null)
    return { outcome: 'UNKNOWN', code: answer.code, message: 'paid without trade_no' };
  return { outcome: 'PAID', channelTradeNo, paidAt: beijingInstant(answer.fields, 'gmt_payment') };
}

/** alipay.trade.precreate answered 10000: the buyer scans the QR code. */
function pendingQr(answer: AlipayAnswer): PayResult {
  const url = text(answer.fields, 'qr_code');
  if (url === null) return { outcome: 'UNKNOWN', code: answer.code, message: 'precreate without qr_code' };
  return { outcome: 'PENDING', channelTradeNo: null, nextAction: { type: 'qr_code', url } };
}

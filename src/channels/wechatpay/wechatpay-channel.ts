import type {
  BillRow,
  CancelResult,
  ChannelPort,
  CloseResult,
  NotifyVerification,
  PayRequest,
  PayResult,
  QueryResult,
  RawNotify,
  RefundQueryResult,
  RefundRequest,
  RefundResult,
} from '../channel-port';
import { downloadWechatBill } from './wechatpay-bill';
import { WechatPayClient, errorOf } from './wechatpay-client';
import { WECHAT_TRANSPORT_CODES as CODES, wechatErrorOutcome, wechatTradeOutcome } from './wechatpay-codes';
import type { WechatPayAccountConfig } from './wechatpay-config';
import { amountFen, amountRefusal, str } from './wechatpay-fields';
import { verifyWechatNotify } from './wechatpay-notify';
import { queryRefundAtWechat, refundAtWechat } from './wechatpay-refunds';
import { formatWechatTime, parseWechatTime } from './wechat-time';

/**
 * A ChannelPort over a WeChat Pay API v3 merchant account (the sandbox's or a real one: only configuration
 * differs). Native (QR) pay; every outcome comes from the code table (wechatpay-codes.ts). A SYSTEM_ERROR
 * on pay is answered by asking for the trade: none means a definitive, retryable refusal. A timeout, a
 * transport error or an answer whose signature fails is UNKNOWN, never a guess.
 */
export class WechatPayChannel implements ChannelPort {
  readonly name: string;
  private readonly client: WechatPayClient;

  constructor(private readonly account: WechatPayAccountConfig) {
    this.name = account.name;
    this.client = new WechatPayClient(account);
  }

  async pay(req: PayRequest): Promise<PayResult> {
    const refusal = amountRefusal(req.amount, req.currency);
    if (refusal) return { outcome: 'DECLINED', ...refusal, retryable: false };
    const token = req.method?.token;
    const call = await this.client.call('POST', '/v3/pay/transactions/native', {
      data: {
        appid: this.account.appId,
        mchid: this.account.mchId,
        description: req.subject.slice(0, 127),
        out_trade_no: req.outTradeNo,
        // Truncated to the second: WeChat closes the trade no later than our deadline.
        time_expire: formatWechatTime(req.expiresAt),
        // The buyer token (contract section 4) rides in attach, WeChat's merchant data; the sandbox reads it.
        ...(token ? { attach: token.slice(0, 128) } : {}),
        notify_url: this.account.notifyUrl,
        amount: { total: req.amount, currency: 'CNY' },
      },
    });
    if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
    if (call.status === 200) {
      const url = str(call.body, 'code_url');
      if (url === null)
        return { outcome: 'UNKNOWN', code: CODES.unexpected, message: 'native pay without code_url' };
      return { outcome: 'PENDING', channelTradeNo: null, nextAction: { type: 'qr_code', url } };
    }
    const { code, message } = errorOf(call);
    const outcome = wechatErrorOutcome(code);
    switch (outcome) {
      case 'RETRYABLE_DECLINE':
      case 'ALREADY_PAID':
        return this.payResultFromQuery(req.outTradeNo, code, message, outcome === 'RETRYABLE_DECLINE');
      case 'HARD_DECLINE':
      case 'CLOSED':
        return { outcome: 'DECLINED', code, message, retryable: false };
      default:
        return { outcome: 'UNKNOWN', code, message };
    }
  }

  async query(outTradeNo: string): Promise<QueryResult> {
    const call = await this.client.call(
      'GET',
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}`,
      {
        params: { mchid: this.account.mchId },
      },
    );
    if (!call.answered) return { status: 'UNKNOWN', code: call.code, message: call.message };
    if (call.status !== 200) {
      const { code, message } = errorOf(call);
      return wechatErrorOutcome(code) === 'NOT_FOUND'
        ? { status: 'NOT_FOUND' }
        : { status: 'UNKNOWN', code, message };
    }
    const { body } = call;
    const unexpected = { status: 'UNKNOWN', code: CODES.unexpected, message: JSON.stringify(body) } as const;
    if (str(body, 'mchid') !== this.account.mchId || str(body, 'out_trade_no') !== outTradeNo)
      return unexpected;
    const channelTradeNo = str(body, 'transaction_id');
    switch (wechatTradeOutcome(body?.trade_state)) {
      case 'WAIT_BUYER_PAY':
        return { status: 'WAIT_BUYER_PAY', channelTradeNo };
      case 'CLOSED':
        return { status: 'CLOSED', channelTradeNo };
      case 'PAID': {
        const amount = amountFen(body, 'total');
        if (channelTradeNo === null || amount === null) return unexpected;
        return { status: 'PAID', channelTradeNo, amount, paidAt: parseWechatTime(body?.success_time) };
      }
      default:
        return {
          status: 'UNKNOWN',
          code: str(body, 'trade_state') ?? CODES.unexpected,
          message: JSON.stringify(body),
        };
    }
  }

  async close(outTradeNo: string): Promise<CloseResult> {
    const call = await this.client.call(
      'POST',
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
      { data: { mchid: this.account.mchId } },
    );
    if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
    if (call.status === 204 || call.status === 200) return { outcome: 'CLOSED' };
    const { code, message } = errorOf(call);
    const outcome = wechatErrorOutcome(code);
    if (outcome === 'NOT_FOUND') return { outcome: 'NOT_FOUND' };
    if (outcome !== 'ALREADY_PAID' && outcome !== 'CLOSED') return { outcome: 'UNKNOWN', code, message };
    // Not closable: paid (the buyer won the race) or closed already; the trade's status says which.
    const trade = await this.query(outTradeNo);
    if (trade.status === 'PAID')
      return { outcome: 'ALREADY_PAID', channelTradeNo: trade.channelTradeNo, paidAt: trade.paidAt };
    if (trade.status === 'CLOSED') return { outcome: 'CLOSED' };
    return { outcome: 'UNKNOWN', code, message };
  }

  /**
   * WeChat's native pay has no cancel (reverse is for micropay only): cancel is close, and a trade the
   * buyer paid meanwhile is refunded in full under the fixed number `<outTradeNo>-cancel`, so a retried
   * cancel never pays out twice. A refund still on its way is UNKNOWN until it lands.
   */
  async cancel(outTradeNo: string): Promise<CancelResult> {
    const closed = await this.close(outTradeNo);
    if (closed.outcome === 'CLOSED') return { outcome: 'REVERSED', action: 'CLOSED' };
    if (closed.outcome === 'NOT_FOUND') return { outcome: 'REVERSED', action: 'NONE' };
    if (closed.outcome === 'UNKNOWN') return closed;
    const trade = await this.query(outTradeNo);
    if (trade.status !== 'PAID') {
      return { outcome: 'UNKNOWN', code: CODES.unexpected, message: `paid, then ${trade.status}` };
    }
    const refund = await this.refund({
      outTradeNo,
      outRequestNo: `${outTradeNo}-cancel`.slice(-64),
      amount: trade.amount,
      currency: 'CNY',
      reason: 'cancelled',
    });
    if (refund.outcome === 'SUCCEEDED') return { outcome: 'REVERSED', action: 'REFUNDED' };
    if (refund.outcome === 'PROCESSING')
      return { outcome: 'UNKNOWN', code: 'REFUND_PROCESSING', message: 'refund on its way' };
    return { outcome: 'UNKNOWN', code: refund.code, message: refund.message };
  }

  refund(req: RefundRequest): Promise<RefundResult> {
    return refundAtWechat(this.client, (no) => this.query(no), req);
  }

  refundQuery(outTradeNo: string, outRequestNo: string): Promise<RefundQueryResult> {
    return queryRefundAtWechat(this.client, outTradeNo, outRequestNo);
  }

  billRows(billDate: string): AsyncIterable<BillRow> {
    return downloadWechatBill(this.client, billDate);
  }

  /** WeChat's notifies are JSON with signed headers: only verifyRawNotify can check them. */
  verifyNotify(): NotifyVerification {
    return {
      ok: false,
      notifyId: null,
      outTradeNo: null,
      reason: 'WeChat Pay notifies need headers and raw body',
    };
  }

  verifyRawNotify(notify: RawNotify): NotifyVerification {
    return verifyWechatNotify(notify, this.account);
  }

  /** The refusal stands only if the channel has no such trade; otherwise the trade's status answers. */
  private async payResultFromQuery(
    outTradeNo: string,
    code: string,
    message: string,
    retryable: boolean,
  ): Promise<PayResult> {
    const trade = await this.query(outTradeNo);
    switch (trade.status) {
      case 'NOT_FOUND':
        if (!retryable) break;
        return { outcome: 'DECLINED', code, message, retryable: true };
      case 'WAIT_BUYER_PAY':
        return { outcome: 'PENDING', channelTradeNo: trade.channelTradeNo, nextAction: null };
      case 'PAID':
        return { outcome: 'PAID', channelTradeNo: trade.channelTradeNo, paidAt: trade.paidAt };
      case 'CLOSED':
        return { outcome: 'DECLINED', code: 'ORDER_CLOSED', message, retryable: false };
    }
    return { outcome: 'UNKNOWN', code, message };
  }
}

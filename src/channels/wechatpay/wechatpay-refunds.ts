import type { QueryResult, RefundQueryResult, RefundRequest, RefundResult } from '../channel-port';
import { errorOf, type WechatPayClient } from './wechatpay-client';
import { WECHAT_TRANSPORT_CODES as CODES, wechatErrorOutcome, wechatRefundOutcome } from './wechatpay-codes';
import { amountFen, amountRefusal, str } from './wechatpay-fields';
import { parseWechatTime } from './wechat-time';

/**
 * Domestic refunds, re-entrant by out_refund_no (our outRequestNo): calling again with the same number is
 * how a refund is retried, and WeChat pays out at most once for it. WeChat wants the order's total with
 * every refund, so the trade is asked first.
 */
export async function refundAtWechat(
  client: WechatPayClient,
  query: (outTradeNo: string) => Promise<QueryResult>,
  req: RefundRequest,
): Promise<RefundResult> {
  const refusal = amountRefusal(req.amount, req.currency);
  if (refusal) return { outcome: 'FAILED', ...refusal, retryable: false };
  const trade = await query(req.outTradeNo);
  if (trade.status === 'UNKNOWN') return { outcome: 'UNKNOWN', code: trade.code, message: trade.message };
  if (trade.status === 'NOT_FOUND') {
    return { outcome: 'FAILED', code: 'ORDER_NOT_EXIST', message: 'no such trade', retryable: false };
  }
  if (trade.status !== 'PAID') {
    return {
      outcome: 'FAILED',
      code: 'TRADE_NOT_PAID',
      message: `trade is ${trade.status}`,
      retryable: false,
    };
  }
  const call = await client.call('POST', '/v3/refund/domestic/refunds', {
    data: {
      out_trade_no: req.outTradeNo,
      out_refund_no: req.outRequestNo,
      ...(req.reason ? { reason: req.reason.slice(0, 80) } : {}),
      amount: { refund: req.amount, total: trade.amount, currency: 'CNY' },
    },
  });
  if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
  if (call.status === 200) return refundResultOf(call.body, req);
  const { code, message } = errorOf(call);
  switch (wechatErrorOutcome(code)) {
    case 'RETRYABLE_DECLINE': {
      // A refused refund is only retryable if it really did not happen: ask for it by its number.
      const found = await queryRefundAtWechat(client, req.outTradeNo, req.outRequestNo);
      if (found.status === 'SUCCEEDED') return { outcome: 'SUCCEEDED', refundedAt: found.refundedAt };
      if (found.status === 'PROCESSING') return { outcome: 'PROCESSING' };
      if (found.status === 'NOT_FOUND') return { outcome: 'FAILED', code, message, retryable: true };
      return { outcome: 'UNKNOWN', code, message };
    }
    case 'HARD_DECLINE':
    case 'NOT_FOUND':
    case 'CLOSED':
      return { outcome: 'FAILED', code, message, retryable: false };
    default:
      return { outcome: 'UNKNOWN', code, message };
  }
}

function refundResultOf(body: Record<string, unknown> | null, req: RefundRequest): RefundResult {
  if (str(body, 'out_refund_no') !== req.outRequestNo || amountFen(body, 'refund') !== req.amount) {
    return { outcome: 'UNKNOWN', code: CODES.unexpected, message: `refund answer: ${JSON.stringify(body)}` };
  }
  switch (wechatRefundOutcome(body?.status)) {
    case 'SUCCEEDED':
      return { outcome: 'SUCCEEDED', refundedAt: parseWechatTime(body?.success_time) };
    case 'PROCESSING':
      return { outcome: 'PROCESSING' };
    case 'CLOSED':
      return {
        outcome: 'FAILED',
        code: CODES.refundClosed,
        message: 'refund closed by WeChat Pay',
        retryable: false,
      };
    case 'ABNORMAL':
      return {
        outcome: 'UNKNOWN',
        code: CODES.refundAbnormal,
        message: 'refund abnormal: an operator must act',
      };
    default:
      return { outcome: 'UNKNOWN', code: CODES.unexpected, message: `refund status ${String(body?.status)}` };
  }
}

/**
 * A refund by its out_refund_no. CLOSED and ABNORMAL answer UNKNOWN with their own code: the port's
 * query has no failed refund, and neither may be read as success or as "never happened".
 */
export async function queryRefundAtWechat(
  client: WechatPayClient,
  outTradeNo: string,
  outRequestNo: string,
): Promise<RefundQueryResult> {
  const call = await client.call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRequestNo)}`);
  if (!call.answered) return { status: 'UNKNOWN', code: call.code, message: call.message };
  if (call.status !== 200) {
    const { code, message } = errorOf(call);
    return wechatErrorOutcome(code) === 'NOT_FOUND'
      ? { status: 'NOT_FOUND' }
      : { status: 'UNKNOWN', code, message };
  }
  const { body } = call;
  const amount = amountFen(body, 'refund');
  if (str(body, 'out_trade_no') !== outTradeNo || amount === null) {
    return {
      status: 'UNKNOWN',
      code: CODES.unexpected,
      message: `refund of another trade: ${JSON.stringify(body)}`,
    };
  }
  switch (wechatRefundOutcome(body?.status)) {
    case 'SUCCEEDED':
      return { status: 'SUCCEEDED', amount, refundedAt: parseWechatTime(body?.success_time) };
    case 'PROCESSING':
      return { status: 'PROCESSING' };
    case 'CLOSED':
      return { status: 'UNKNOWN', code: CODES.refundClosed, message: 'refund closed by WeChat Pay' };
    case 'ABNORMAL':
      return {
        status: 'UNKNOWN',
        code: CODES.refundAbnormal,
        message: 'refund abnormal: an operator must act',
      };
    default:
      return { status: 'UNKNOWN', code: CODES.unexpected, message: `refund status ${String(body?.status)}` };
  }
}

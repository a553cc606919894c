import { toDecimalString } from '../../domain/money';
import type { RefundQueryResult, RefundRequest, RefundResult } from '../channel-port';
import { amountRefusal, beijingInstant, fen, text } from './alipay-fields';
import type { AlipayGateway } from './alipay-gateway';

/**
 * alipay.trade.refund, re-entrant by out_request_no: calling again with the same number is how a
 * refund is retried, and the channel pays out at most once for it.
 */
export async function refundAtAlipay(gateway: AlipayGateway, req: RefundRequest): Promise<RefundResult> {
  const refusal = amountRefusal(req.amount, req.currency);
  if (refusal) return { outcome: 'FAILED', ...refusal, retryable: false };
  const call = await gateway.call('alipay.trade.refund', {
    out_trade_no: req.outTradeNo,
    out_request_no: req.outRequestNo,
    refund_amount: toDecimalString(req.amount, 'CNY'),
    ...(req.reason ? { refund_reason: req.reason } : {}),
  });
  if (!call.answered) return { outcome: 'UNKNOWN', code: call.code, message: call.message };
  const { answer } = call;
  switch (answer.outcome) {
    case 'SUCCESS':
      return { outcome: 'SUCCEEDED', refundedAt: beijingInstant(answer.fields, 'gmt_refund_pay') };
    case 'PENDING':
      return { outcome: 'PROCESSING' };
    case 'RETRYABLE_DECLINE': {
      // A refused refund is only retryable if it really did not happen: ask for it by its number.
      const found = await queryRefundAtAlipay(gateway, req.outTradeNo, req.outRequestNo);
      if (found.status === 'SUCCEEDED') return { outcome: 'SUCCEEDED', refundedAt: found.refundedAt };
      if (found.status === 'PROCESSING') return { outcome: 'PROCESSING' };
      if (found.status === 'NOT_FOUND') {
        return { outcome: 'FAILED', code: answer.code, message: answer.message, retryable: true };
      }
      return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
    }
    case 'UNKNOWN':
      return { outcome: 'UNKNOWN', code: answer.code, message: answer.message };
    default:
      // Not refundable: no such trade, unpaid, closed, finished, or refunds would exceed the total.
      return { outcome: 'FAILED', code: answer.code, message: answer.message, retryable: false };
  }
}

/** alipay.trade.fastpay.refund.query: a 10000 answer without refund_amount means no such refund. */
export async function queryRefundAtAlipay(
  gateway: AlipayGateway,
  outTradeNo: string,
  outRequestNo: string,
): Promise<RefundQueryResult> {
  const call = await gateway.call('alipay.trade.fastpay.refund.query', {
    out_trade_no: outTradeNo,
    out_request_no: outRequestNo,
    query_options: ['gmt_refund_pay'],
  });
  if (!call.answered) return { status: 'UNKNOWN', code: call.code, message: call.message };
  const { answer } = call;
  if (answer.outcome === 'NOT_FOUND') return { status: 'NOT_FOUND' };
  if (answer.outcome !== 'SUCCESS') return { status: 'UNKNOWN', code: answer.code, message: answer.message };
  const amount = fen(answer.fields, 'refund_amount');
  if (amount === null) return { status: 'NOT_FOUND' };
  const status = text(answer.fields, 'refund_status');
  if (status !== null && status !== 'REFUND_SUCCESS') return { status: 'PROCESSING' };
  return { status: 'SUCCEEDED', amount, refundedAt: beijingInstant(answer.fields, 'gmt_refund_pay') };
}

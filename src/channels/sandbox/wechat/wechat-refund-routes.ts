import type { FastifyInstance } from 'fastify';
import { formatWechatTime } from '../../wechatpay/wechat-time';
import { behaviourOf } from '../sandbox-behaviours';
import { WECHAT_BOOK_ACCOUNT, type WechatContext } from './wechat-context';
import {
  failure,
  fenField,
  optionalStringField,
  stringField,
  wechatRoute,
  type WechatAnswer,
} from './wechat-http';
import { refundEndFor, type WechatRefund } from './wechat-ledger';

/**
 * Domestic refunds: re-entrant per out_refund_no (the same one again answers the same refund and never
 * pays out twice) and cumulative (refunds not CLOSED never exceed the trade's total). A refund answers
 * PROCESSING and ends after refundDelayMs: SUCCESS, or as the trade's WeChat-only token asks
 * (sim_refund_abnormal → ABNORMAL); sim_refund_closed ends CLOSED at once, in the answer itself.
 */
export function registerWechatRefundRoutes(app: FastifyInstance, ctx: WechatContext): void {
  wechatRoute(app, ctx, 'POST', '/v3/refund/domestic/refunds', 'alipay.trade.refund', (call) => {
    const { body } = call;
    const outTradeNo = stringField(body, 'out_trade_no');
    const outRefundNo = stringField(body, 'out_refund_no');
    const refundFen = fenField(body, 'refund');
    const totalFen = fenField(body, 'total');
    optionalStringField(body, 'reason');
    const trade = ctx.book.find(WECHAT_BOOK_ACCOUNT, outTradeNo);
    if (!trade) return failure(404, 'RESOURCE_NOT_EXISTS', 'order does not exist');

    const earlier = ctx.ledger.findRefund(outRefundNo);
    if (earlier) {
      if (earlier.trade !== trade || earlier.amountFen !== refundFen) {
        return failure(400, 'INVALID_REQUEST', 'out_refund_no was used with other parameters');
      }
      return { status: 200, body: refundOf(earlier) };
    }
    const refundCalls = ctx.book.countRefundCall(trade);
    if (behaviourOf(trade.token).failsFirstRefund && refundCalls === 1) {
      return failure(500, 'SYSTEM_ERROR', 'system error, please retry with the same out_refund_no');
    }
    if (!trade.paidAt) return failure(400, 'INVALID_REQUEST', 'order is not paid, it cannot be refunded');
    if (totalFen !== trade.totalFen)
      return failure(400, 'PARAM_ERROR', 'amount.total differs from the order');
    if (ctx.ledger.committedFen(trade) + refundFen > trade.totalFen) {
      return failure(403, 'NOT_ENOUGH', 'refunds would exceed the order total');
    }
    const end = refundEndFor(ctx.ledger.tokenOf(outTradeNo));
    const refund = ctx.ledger.addRefund({
      outRefundNo,
      trade,
      amountFen: refundFen,
      status: end === 'CLOSED' ? 'CLOSED' : 'PROCESSING',
      createdAt: call.now,
      successAt: null,
    });
    if (refund.status === 'PROCESSING') scheduleRefundEnd(ctx, refund, call.now);
    return { status: 200, body: refundOf(refund) };
  });

  wechatRoute(
    app,
    ctx,
    'GET',
    '/v3/refund/domestic/refunds/:outRefundNo',
    'alipay.trade.fastpay.refund.query',
    (call) => {
      const refund = ctx.ledger.findRefund(call.params.outRefundNo ?? '');
      if (!refund) return failure(404, 'RESOURCE_NOT_EXISTS', 'refund does not exist');
      return { status: 200, body: refundOf(refund) } satisfies WechatAnswer;
    },
  );
}

/** A PROCESSING refund ends refundDelayMs after it was asked for (again after a restart, if still due). */
export function scheduleRefundEnd(ctx: WechatContext, refund: WechatRefund, now: Date): void {
  const end = refundEndFor(ctx.ledger.tokenOf(refund.trade.outTradeNo));
  const due = refund.createdAt.getTime() + ctx.refundDelayMs - now.getTime();
  ctx.scheduler.at(due, () => {
    if (refund.status !== 'PROCESSING') return;
    if (end !== 'SUCCESS') return ctx.ledger.end(refund, end, null);
    // The money moves first, then the refund's status: a restart between the two finds the money moved
    // (the trade's refund by this out_refund_no) and only ends the refund, never paying out twice.
    const { trade } = refund;
    let moved = trade.refunds.find((done) => done.outRequestNo === refund.outRefundNo);
    if (!moved) {
      moved = { outRequestNo: refund.outRefundNo, amountFen: refund.amountFen, at: new Date() };
      ctx.book.addRefund(trade, moved);
    }
    ctx.ledger.end(refund, 'SUCCESS', moved.at);
  });
}

function refundOf(refund: WechatRefund): Record<string, unknown> {
  const { trade } = refund;
  return {
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    create_time: formatWechatTime(refund.createdAt),
    ...(refund.successAt ? { success_time: formatWechatTime(refund.successAt) } : {}),
    status: refund.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: trade.totalFen,
      refund: refund.amountFen,
      payer_total: trade.totalFen,
      payer_refund: refund.amountFen,
      settlement_total: trade.totalFen,
      settlement_refund: refund.amountFen,
      discount_refund: 0,
      currency: 'CNY',
    },
  };
}

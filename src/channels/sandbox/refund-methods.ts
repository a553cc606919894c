import { formatBeijingTime } from '../beijing-time';
import { toDecimalString } from '../../domain/money';
import { merchantNo, optionalString, yuanAmount } from './biz-fields';
import { businessFailure, invalidBizParameter, succeeded, type GatewayAnswer } from './gateway-answers';
import { behaviourOf } from './sandbox-behaviours';
import type { GatewayMethod } from './sandbox-context';
import { refundedFen, type SandboxRefund, type SandboxTrade } from './sandbox-trade';

/**
 * alipay.trade.refund: re-entrant per out_request_no (the same one again answers the same success and
 * never pays out twice) and cumulative (all refunds together never exceed the trade's total).
 */
export const tradeRefund: GatewayMethod = (call, ctx) => {
  const outTradeNo = merchantNo(call.biz, 'out_trade_no');
  const amountFen = yuanAmount(call.biz, 'refund_amount');
  // Without out_request_no Alipay treats the call as the trade's one full refund.
  const outRequestNo = optionalString(call.biz, 'out_request_no')
    ? merchantNo(call.biz, 'out_request_no')
    : outTradeNo;
  const trade = ctx.book.find(call.account, outTradeNo);
  if (!trade) return businessFailure('ACQ.TRADE_NOT_EXIST', 'trade does not exist');

  const earlier = trade.refunds.find((refund) => refund.outRequestNo === outRequestNo);
  if (earlier) {
    if (earlier.amountFen !== amountFen) {
      return invalidBizParameter('out_request_no was used with a different refund_amount');
    }
    return refundAnswer(trade, earlier, 'N');
  }
  const refundCalls = ctx.book.countRefundCall(trade);
  if (behaviourOf(trade.token).failsFirstRefund && refundCalls === 1) {
    return businessFailure('ACQ.SYSTEM_ERROR', 'system error, please retry with the same out_request_no');
  }
  const refusal = refusalFor(trade, amountFen);
  if (refusal) return refusal;

  const refund: SandboxRefund = { outRequestNo, amountFen, at: ctx.now };
  ctx.book.addRefund(trade, refund);
  return refundAnswer(trade, refund, 'Y');
};

/** alipay.trade.fastpay.refund.query: an unknown out_request_no answers 10000 without refund fields. */
export const tradeRefundQuery: GatewayMethod = (call, ctx) => {
  const outTradeNo = merchantNo(call.biz, 'out_trade_no');
  const outRequestNo = merchantNo(call.biz, 'out_request_no');
  const trade = ctx.book.find(call.account, outTradeNo);
  if (!trade) return businessFailure('ACQ.TRADE_NOT_EXIST', 'trade does not exist');
  const refund = trade.refunds.find((candidate) => candidate.outRequestNo === outRequestNo);
  if (!refund) return succeeded({ out_trade_no: outTradeNo, out_request_no: outRequestNo });
  return succeeded({
    trade_no: trade.tradeNo,
    out_trade_no: outTradeNo,
    out_request_no: outRequestNo,
    total_amount: toDecimalString(trade.totalFen, 'CNY'),
    refund_amount: toDecimalString(refund.amountFen, 'CNY'),
    refund_status: 'REFUND_SUCCESS',
    gmt_refund_pay: formatBeijingTime(refund.at),
  });
};

function refusalFor(trade: SandboxTrade, amountFen: number): GatewayAnswer | null {
  if (trade.status === 'WAIT_BUYER_PAY') {
    return businessFailure('ACQ.TRADE_STATUS_ERROR', 'trade is not paid, it cannot be refunded');
  }
  if (trade.status === 'TRADE_CLOSED') return businessFailure('ACQ.TRADE_HAS_CLOSE', 'trade has been closed');
  if (trade.status === 'TRADE_FINISHED')
    return businessFailure('ACQ.TRADE_HAS_FINISHED', 'trade has finished');
  if (refundedFen(trade) + amountFen > trade.totalFen) {
    return businessFailure('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'refunds would exceed the trade total');
  }
  return null;
}

/** `fund_change` says whether this very call moved money: N for a repeated out_request_no. */
function refundAnswer(trade: SandboxTrade, refund: SandboxRefund, fundChange: 'Y' | 'N'): GatewayAnswer {
  return succeeded({
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    buyer_logon_id: 'sbx***@sandbox.local',
    fund_change: fundChange,
    refund_fee: toDecimalString(refundedFen(trade), 'CNY'),
    gmt_refund_pay: formatBeijingTime(refund.at),
  });
}

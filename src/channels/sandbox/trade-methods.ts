import { formatBeijingTime } from '../beijing-time';
import { toDecimalString } from '../../domain/money';
import { merchantNo } from './biz-fields';
import { businessFailure, succeeded, type GatewayAnswer } from './gateway-answers';
import type { GatewayMethod } from './sandbox-context';
import { refundedFen } from './sandbox-trade';

const TRADE_NOT_EXIST = (): GatewayAnswer => businessFailure('ACQ.TRADE_NOT_EXIST', 'trade does not exist');

/** alipay.trade.query: the trade as the channel sees it now. */
export const tradeQuery: GatewayMethod = (call, ctx) => {
  const trade = ctx.book.find(call.account, merchantNo(call.biz, 'out_trade_no'));
  if (!trade) return TRADE_NOT_EXIST();
  return succeeded({
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    buyer_logon_id: 'sbx***@sandbox.local',
    trade_status: trade.status,
    total_amount: toDecimalString(trade.totalFen, 'CNY'),
    ...(trade.paidAt
      ? {
          buyer_pay_amount: toDecimalString(trade.totalFen, 'CNY'),
          receipt_amount: toDecimalString(trade.totalFen - refundedFen(trade), 'CNY'),
          send_pay_date: formatBeijingTime(trade.paidAt),
        }
      : {}),
  });
};

/** alipay.trade.close: only a trade still waiting for the buyer can be closed. */
export const tradeClose: GatewayMethod = (call, ctx) => {
  const trade = ctx.book.find(call.account, merchantNo(call.biz, 'out_trade_no'));
  if (!trade) return TRADE_NOT_EXIST();
  if (!ctx.book.close(trade, ctx.now)) {
    // Paid, or already closed: the caller queries to learn which, as with the real gateway.
    return businessFailure('ACQ.TRADE_STATUS_ERROR', `trade status is ${trade.status}, it cannot be closed`);
  }
  return succeeded({ trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo });
};

/**
 * alipay.trade.cancel: reverses whatever happened: closes an unpaid trade, refunds a paid one in full.
 * Repeating it repeats the same answer; a trade that never arrived needs nothing (no action).
 */
export const tradeCancel: GatewayMethod = (call, ctx) => {
  const outTradeNo = merchantNo(call.biz, 'out_trade_no');
  const trade = ctx.book.find(call.account, outTradeNo);
  if (!trade) return succeeded({ out_trade_no: outTradeNo, retry_flag: 'N' });
  const reversal = { trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo, retry_flag: 'N' };

  if (trade.status === 'WAIT_BUYER_PAY') ctx.book.close(trade, ctx.now);
  if (trade.status === 'TRADE_SUCCESS') {
    ctx.book.addRefund(trade, {
      outRequestNo: null,
      amountFen: trade.totalFen - refundedFen(trade),
      at: ctx.now,
    });
  }
  if (trade.status === 'TRADE_FINISHED') {
    return businessFailure(
      'ACQ.TRADE_CANCEL_TIME_OUT',
      'the trade can no longer be cancelled, refund it instead',
    );
  }
  // Closed now or before: refunded if it had ever been paid.
  return succeeded({ ...reversal, action: trade.paidAt ? 'refund' : 'close' });
};

import { formatBeijingTime } from '../beijing-time';
import { toDecimalString } from '../../domain/money';
import {
  InvalidBizParameter,
  merchantNo,
  optionalBeijingTime,
  requiredString,
  yuanAmount,
} from './biz-fields';
import { businessFailure, succeeded, waitingForBuyer, type GatewayAnswer } from './gateway-answers';
import type { GatewayCall } from './gateway-request';
import { behaviourOf, sandboxTokenOf, type SandboxToken } from './sandbox-behaviours';
import type { GatewayMethod, SandboxContext } from './sandbox-context';
import type { SandboxTrade } from './sandbox-trade';

const DECLINE_MESSAGES = {
  BUYER_BALANCE_NOT_ENOUGH: 'buyer balance is not enough',
  SYSTEM_ERROR: 'system error, please retry',
} as const;

/** alipay.trade.pay (bar-code): the buyer token arrives as auth_code and selects the behaviour. */
export const tradePay: GatewayMethod = async (call, ctx) => {
  const scene = requiredString(call.biz, 'scene');
  if (scene !== 'bar_code') throw new InvalidBizParameter('scene must be bar_code');
  const token = sandboxTokenOf(requiredString(call.biz, 'auth_code'));
  const order = readOrder(call);
  const existing = ctx.book.find(call.account, order.outTradeNo);
  if (existing) {
    const refusal = repeatedOrder(existing, order.totalFen);
    if (refusal) return refusal;
    return existing.status === 'WAIT_BUYER_PAY' ? payAnswer(existing) : statusRefusal(existing);
  }

  const behaviour = behaviourOf(token);
  const { decline } = behaviour;
  if (decline && (decline.when === 'always' || ctx.book.claimFirstAttempt(order.outTradeNo))) {
    return businessFailure(`ACQ.${decline.subCode}`, DECLINE_MESSAGES[decline.subCode]);
  }
  const trade = createTrade(call, ctx, order, token);
  // The trade exists and the buyer goes ahead; only the answer is late, past the client's timeout.
  if (behaviour.answersLate) await ctx.scheduler.sleep(ctx.timeoutDelayMs);
  return payAnswer(trade);
};

/** alipay.trade.precreate (QR code): no buyer token, so it behaves as sim_success. */
export const tradePrecreate: GatewayMethod = (call, ctx) => {
  const order = readOrder(call);
  const existing = ctx.book.find(call.account, order.outTradeNo);
  const trade = existing ?? createTrade(call, ctx, order, 'sim_success');
  const refusal = existing ? repeatedOrder(existing, order.totalFen) : null;
  if (refusal) return refusal;
  if (trade.status !== 'WAIT_BUYER_PAY') return statusRefusal(trade);
  return succeeded({ out_trade_no: trade.outTradeNo, qr_code: `${ctx.baseUrl}/qr/${trade.tradeNo}` });
};

interface OrderFields {
  outTradeNo: string;
  totalFen: number;
  subject: string;
  expireAt: Date | null;
}

function readOrder(call: GatewayCall): OrderFields {
  return {
    outTradeNo: merchantNo(call.biz, 'out_trade_no'),
    totalFen: yuanAmount(call.biz, 'total_amount'),
    subject: requiredString(call.biz, 'subject'),
    expireAt: optionalBeijingTime(call.biz, 'time_expire'),
  };
}

/** No trade may start whose time_expire has already passed: it could never be paid. */
function createTrade(
  call: GatewayCall,
  ctx: SandboxContext,
  order: OrderFields,
  token: SandboxToken,
): SandboxTrade {
  if (order.expireAt && order.expireAt.getTime() <= ctx.now.getTime()) {
    throw new InvalidBizParameter('time_expire has already passed');
  }
  return ctx.book.create(
    { account: call.account, token, notifyUrl: call.params.notify_url ?? null, ...order },
    ctx.now,
  );
}

/** The same out_trade_no again: idempotent for the same amount, refused for a different one. */
function repeatedOrder(trade: SandboxTrade, totalFen: number): GatewayAnswer | null {
  if (trade.totalFen === totalFen) return null;
  return businessFailure('ACQ.CONTEXT_INCONSISTENT', 'out_trade_no was used with a different total_amount');
}

/** The pay answer for the trade as it stands when the answer leaves. */
function payAnswer(trade: SandboxTrade): GatewayAnswer {
  const fields = {
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    buyer_logon_id: 'sbx***@sandbox.local',
    total_amount: toDecimalString(trade.totalFen, 'CNY'),
  };
  if (trade.status === 'WAIT_BUYER_PAY') return waitingForBuyer(fields);
  if (trade.status === 'TRADE_SUCCESS' && trade.paidAt) {
    return succeeded({
      ...fields,
      receipt_amount: fields.total_amount,
      gmt_payment: formatBeijingTime(trade.paidAt),
    });
  }
  return statusRefusal(trade);
}

function statusRefusal(trade: SandboxTrade): GatewayAnswer {
  if (trade.status === 'TRADE_SUCCESS')
    return businessFailure('ACQ.TRADE_HAS_SUCCESS', 'trade has been paid');
  if (trade.status === 'TRADE_FINISHED')
    return businessFailure('ACQ.TRADE_HAS_FINISHED', 'trade has finished');
  return businessFailure('ACQ.TRADE_HAS_CLOSE', 'trade has been closed');
}

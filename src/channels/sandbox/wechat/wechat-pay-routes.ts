import type { FastifyInstance } from 'fastify';
import { formatWechatTime, parseWechatTime } from '../../wechatpay/wechat-time';
import { behaviourOf, sandboxTokenOf } from '../sandbox-behaviours';
import type { SandboxTrade } from '../sandbox-trade';
import { WECHAT_BOOK_ACCOUNT, type WechatContext } from './wechat-context';
import {
  ParamError,
  failure,
  fenField,
  optionalStringField,
  stringField,
  wechatRoute,
  type WechatAnswer,
} from './wechat-http';

/**
 * Native (QR) pay, query by out-trade-no and close. The buyer token rides in `attach` (WeChat's merchant
 * data, echoed back in queries and bills), as the Alipay sandbox reads it from auth_code.
 */
export function registerWechatPayRoutes(app: FastifyInstance, ctx: WechatContext): void {
  wechatRoute(app, ctx, 'POST', '/v3/pay/transactions/native', 'alipay.trade.precreate', async (call) => {
    const { body } = call;
    if (stringField(body, 'appid') !== ctx.keys.appId || stringField(body, 'mchid') !== ctx.keys.mchId) {
      return failure(400, 'APPID_MCHID_NOT_MATCH', 'appid and mchid do not match');
    }
    const outTradeNo = stringField(body, 'out_trade_no');
    const totalFen = fenField(body, 'total');
    const subject = stringField(body, 'description');
    const notifyUrl = stringField(body, 'notify_url');
    const rawToken = optionalStringField(body, 'attach');
    const expireText = optionalStringField(body, 'time_expire');
    const expireAt = expireText === null ? null : parseWechatTime(expireText);
    if (expireText !== null && expireAt === null) throw new ParamError('time_expire must be RFC 3339');

    const existing = ctx.book.find(WECHAT_BOOK_ACCOUNT, outTradeNo);
    if (existing) {
      if (existing.totalFen !== totalFen) {
        return failure(403, 'OUT_TRADE_NO_USED', 'out_trade_no was used with a different amount');
      }
      return existing.status === 'WAIT_BUYER_PAY' ? codeUrl(call.baseUrl, existing) : statusRefusal(existing);
    }
    const token = sandboxTokenOf(rawToken ?? undefined);
    const behaviour = behaviourOf(token);
    const { decline } = behaviour;
    if (decline && (decline.when === 'always' || ctx.book.claimFirstAttempt(outTradeNo))) {
      return decline.subCode === 'SYSTEM_ERROR'
        ? failure(500, 'SYSTEM_ERROR', 'system error, please retry')
        : failure(403, 'NOT_ENOUGH', 'buyer balance is not enough');
    }
    if (expireAt && expireAt.getTime() <= call.now.getTime()) {
      throw new ParamError('time_expire has already passed');
    }
    ctx.ledger.rememberToken(outTradeNo, rawToken);
    const trade = ctx.book.create(
      { account: WECHAT_BOOK_ACCOUNT, outTradeNo, subject, totalFen, token, notifyUrl, expireAt },
      call.now,
    );
    // The trade exists and the buyer goes ahead; only the answer is late, past the client's timeout.
    if (behaviour.answersLate) await ctx.scheduler.sleep(ctx.timeoutDelayMs);
    return codeUrl(call.baseUrl, trade);
  });

  wechatRoute(
    app,
    ctx,
    'GET',
    '/v3/pay/transactions/out-trade-no/:outTradeNo',
    'alipay.trade.query',
    (call) => {
      if (call.query.mchid !== ctx.keys.mchId) return failure(400, 'PARAM_ERROR', 'mchid is required');
      const trade = ctx.book.find(WECHAT_BOOK_ACCOUNT, call.params.outTradeNo ?? '');
      if (!trade) return failure(404, 'ORDER_NOT_EXIST', 'order does not exist');
      return { status: 200, body: transactionOf(trade, ctx) };
    },
  );

  wechatRoute(
    app,
    ctx,
    'POST',
    '/v3/pay/transactions/out-trade-no/:outTradeNo/close',
    'alipay.trade.close',
    (call) => {
      if (stringField(call.body, 'mchid') !== ctx.keys.mchId) return failure(400, 'PARAM_ERROR', 'bad mchid');
      const trade = ctx.book.find(WECHAT_BOOK_ACCOUNT, call.params.outTradeNo ?? '');
      if (!trade) return failure(404, 'ORDER_NOT_EXIST', 'order does not exist');
      if (trade.status === 'WAIT_BUYER_PAY') ctx.book.close(trade, call.now);
      // Closing a closed order again is fine; a paid one is not closable.
      if (trade.paidAt) return failure(400, 'ORDERPAID', 'order has been paid');
      return { status: 204 };
    },
  );
}

/** WeChat's trade_state for a trade as it stands: a paid trade with any refund is REFUND. */
export function tradeStateOf(trade: SandboxTrade): 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' {
  if (trade.status === 'WAIT_BUYER_PAY') return 'NOTPAY';
  if (trade.paidAt) return trade.refunds.length > 0 ? 'REFUND' : 'SUCCESS';
  return 'CLOSED';
}

export function transactionOf(trade: SandboxTrade, ctx: WechatContext): Record<string, unknown> {
  const state = tradeStateOf(trade);
  const paid = trade.paidAt !== null;
  return {
    appid: ctx.keys.appId,
    mchid: ctx.keys.mchId,
    out_trade_no: trade.outTradeNo,
    ...(paid
      ? { transaction_id: trade.tradeNo, bank_type: 'OTHERS', payer: { openid: 'o-sandbox-buyer' } }
      : {}),
    trade_type: 'NATIVE',
    trade_state: state,
    trade_state_desc: state,
    attach: ctx.ledger.tokenOf(trade.outTradeNo) ?? '',
    ...(trade.paidAt ? { success_time: formatWechatTime(trade.paidAt) } : {}),
    amount: {
      total: trade.totalFen,
      currency: 'CNY',
      ...(paid ? { payer_total: trade.totalFen, payer_currency: 'CNY' } : {}),
    },
  };
}

function codeUrl(baseUrl: string, trade: SandboxTrade): WechatAnswer {
  return {
    status: 200,
    body: { code_url: `weixin://wxpay/bizpayurl?pr=${trade.tradeNo}&sandbox=${encodeURIComponent(baseUrl)}` },
  };
}

function statusRefusal(trade: SandboxTrade): WechatAnswer {
  if (trade.paidAt) return failure(403, 'ORDERPAID', 'order has been paid');
  return failure(400, 'ORDER_CLOSED', 'order has been closed');
}

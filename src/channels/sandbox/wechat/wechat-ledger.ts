import { randomInt } from 'node:crypto';
import { formatBeijingTime } from '../../beijing-time';
import type { SandboxTrade } from '../sandbox-trade';
import type { WechatLedgerJournal } from './wechat-ledger-journal';

/**
 * The WeChat sandbox's trades live in their own TradeBook (the buyer, expiry and late-debit rules are the
 * Alipay sandbox's); this ledger adds what only WeChat has: refunds with their own id and a status that
 * moves from PROCESSING to SUCCESS, CLOSED or ABNORMAL. Given a journal, every change is on disk before
 * the call that made it answers, and `resume` reads it all back after a restart.
 */

export type WechatRefundStatus = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
/** Where a refund ends. */
export type WechatRefundEnd = Exclude<WechatRefundStatus, 'PROCESSING'>;

export interface WechatRefund {
  refundId: string;
  outRefundNo: string;
  trade: SandboxTrade;
  amountFen: number;
  status: WechatRefundStatus;
  createdAt: Date;
  successAt: Date | null;
}

/**
 * WeChat-only buyer tokens (beside section 4's, which choose the buyer's behaviour): the trade is paid as
 * with sim_success, but its refunds end CLOSED (final: no money returned) or stay ABNORMAL (the buyer's
 * card refused the money; nothing moves until an operator acts).
 */
export const WECHAT_REFUND_TOKENS = {
  sim_refund_closed: 'CLOSED',
  sim_refund_abnormal: 'ABNORMAL',
} as const satisfies Record<string, WechatRefundEnd>;

export function refundEndFor(rawToken: string | null): WechatRefundEnd {
  if (rawToken === 'sim_refund_closed' || rawToken === 'sim_refund_abnormal') {
    return WECHAT_REFUND_TOKENS[rawToken];
  }
  return 'SUCCESS';
}

export class WechatLedger {
  private readonly refunds = new Map<string, WechatRefund>();
  /** The raw buyer token per out_trade_no (from `attach`), for the WeChat-only refund tokens. */
  private readonly rawTokens = new Map<string, string | null>();

  constructor(private readonly journal: WechatLedgerJournal | null = null) {}

  /**
   * After a restart: the journal's tokens and refunds back, each refund tied to its trade in the (already
   * resumed) trade book. Answers the refunds still PROCESSING, whose end the caller schedules again.
   */
  resume(tradeOf: (outTradeNo: string) => SandboxTrade | undefined): WechatRefund[] {
    if (!this.journal) return [];
    const { refunds, tokens } = this.journal.load();
    for (const [outTradeNo, token] of tokens) this.rawTokens.set(outTradeNo, token);
    for (const { outTradeNo, ...stored } of refunds) {
      const trade = tradeOf(outTradeNo);
      // A refund's trade is always journalled before it (the refund call finds the trade first).
      if (!trade)
        throw new Error(`sandbox_wechat journal: refund ${stored.outRefundNo} of unknown ${outTradeNo}`);
      this.refunds.set(stored.outRefundNo, { ...stored, trade });
    }
    return this.listRefunds().filter((refund) => refund.status === 'PROCESSING');
  }

  rememberToken(outTradeNo: string, token: string | null): void {
    this.rawTokens.set(outTradeNo, token);
    this.journal?.saveToken(outTradeNo, token);
  }

  tokenOf(outTradeNo: string): string | null {
    return this.rawTokens.get(outTradeNo) ?? null;
  }

  /** Every refund, in the order asked for. */
  listRefunds(): WechatRefund[] {
    return [...this.refunds.values()];
  }

  findRefund(outRefundNo: string): WechatRefund | undefined {
    return this.refunds.get(outRefundNo);
  }

  addRefund(refund: Omit<WechatRefund, 'refundId'>): WechatRefund {
    const created = { ...refund, refundId: newRefundId(refund.createdAt) };
    this.refunds.set(created.outRefundNo, created);
    this.journal?.saveRefund(created);
    return created;
  }

  /** A PROCESSING refund reaches its end (SUCCESS with the time its money moved, CLOSED or ABNORMAL). */
  end(refund: WechatRefund, status: WechatRefundEnd, successAt: Date | null): void {
    refund.status = status;
    refund.successAt = successAt;
    this.journal?.saveRefund(refund);
  }

  /** Refunds of a trade not yet ended CLOSED: their money is returned or on its way (or held). */
  committedFen(trade: SandboxTrade): number {
    let sum = 0;
    for (const refund of this.refunds.values()) {
      if (refund.trade === trade && refund.status !== 'CLOSED') sum += refund.amountFen;
    }
    return sum;
  }
}

/** WeChat-like 29-digit refund id: 50, the Beijing date, then random digits. */
function newRefundId(now: Date): string {
  const day = formatBeijingTime(now).slice(0, 10).replaceAll('-', '');
  let digits = '';
  for (let i = 0; i < 19; i += 1) digits += String(randomInt(10));
  return `50${day}${digits}`;
}

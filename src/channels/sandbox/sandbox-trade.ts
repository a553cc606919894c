import { randomInt } from 'node:crypto';
import { formatBeijingTime } from '../beijing-time';
import type { SandboxToken } from './sandbox-behaviours';
import type { SandboxAccountName } from './sandbox-keys';

/** A trade and its refunds as the sandbox's ledger (trade-book.ts) keeps them. */

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface SandboxRefund {
  /** Null for the full refund a cancel makes of a paid trade. */
  outRequestNo: string | null;
  amountFen: number;
  at: Date;
}

export interface SandboxTrade {
  account: SandboxAccountName;
  outTradeNo: string;
  tradeNo: string;
  subject: string;
  totalFen: number;
  token: SandboxToken;
  notifyUrl: string | null;
  status: TradeStatus;
  createdAt: Date;
  expireAt: Date | null;
  paidAt: Date | null;
  closedAt: Date | null;
  refunds: SandboxRefund[];
  /** Refund calls seen, including refused ones: sim_refund_fail_once fails the first. */
  refundCalls: number;
  /** The last change whose notify the service has not acknowledged: resent after a sandbox restart. */
  pendingNotify: TradeChange | null;
}

export interface BuyerTiming {
  /** How long after the trade's creation the simulated buyer pays. */
  payDelayMs: number;
  /** sim_pay_after_close: how long after the close the buyer's money arrives. */
  latePayDelayMs: number;
}

/** A change the buyer, the clock or a call made: what notifies report. */
export type TradeChange = 'paid' | 'closed' | 'refunded_in_full';

export type NewTrade = Pick<
  SandboxTrade,
  'account' | 'outTradeNo' | 'subject' | 'totalFen' | 'token' | 'notifyUrl' | 'expireAt'
>;

export function refundedFen(trade: SandboxTrade): number {
  return trade.refunds.reduce((sum, refund) => sum + refund.amountFen, 0);
}

export function tradeKey(account: SandboxAccountName, outTradeNo: string): string {
  return `${account}\u0000${outTradeNo}`;
}

/** Alipay-like 28-digit trade number: the Beijing date, then random digits. */
export function newTradeNo(now: Date): string {
  const day = formatBeijingTime(now).slice(0, 10).replaceAll('-', '');
  let digits = '';
  for (let i = 0; i < 20; i += 1) digits += String(randomInt(10));
  return day + digits;
}

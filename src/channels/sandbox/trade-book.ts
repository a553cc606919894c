import { randomInt } from 'node:crypto';
import { formatBeijingTime } from '../beijing-time';
import { behaviourOf } from './sandbox-behaviours';
import { SANDBOX_ACCOUNT_NAMES, type SandboxAccountName } from './sandbox-keys';
import type { SandboxScheduler } from './sandbox-scheduler';
import {
  refundedFen,
  type BuyerTiming,
  type NewTrade,
  type SandboxRefund,
  type SandboxTrade,
  type TradeChange,
} from './sandbox-trade';

/**
 * The sandbox's ledger of trades per account. Every transition is a synchronous check-and-set, so two
 * events racing for one trade (the buyer paying at time_expire, the expiry, a close call) can never
 * both win: whichever runs first changes the status, the other finds it changed and does nothing.
 */
export class TradeBook {
  private readonly trades = new Map<string, SandboxTrade>();
  private readonly failedFirstAttempts = new Set<string>();

  constructor(
    private readonly scheduler: SandboxScheduler,
    private readonly timing: BuyerTiming,
    private readonly onChange: (trade: SandboxTrade, change: TradeChange) => void,
  ) {}

  find(account: SandboxAccountName, outTradeNo: string): SandboxTrade | undefined {
    const trade = this.trades.get(key(account, outTradeNo));
    if (trade) this.expireIfDue(trade);
    return trade;
  }

  /** A trade by its out_trade_no in whichever account holds it (the service's numbers are unique). */
  findInAnyAccount(outTradeNo: string): SandboxTrade | undefined {
    for (const account of SANDBOX_ACCOUNT_NAMES) {
      const trade = this.find(account, outTradeNo);
      if (trade) return trade;
    }
    return undefined;
  }

  findByTradeNo(tradeNo: string): SandboxTrade | undefined {
    return [...this.trades.values()].find((trade) => trade.tradeNo === tradeNo);
  }

  list(account: SandboxAccountName): SandboxTrade[] {
    return [...this.trades.values()].filter((trade) => trade.account === account);
  }

  /** True the first time a payment (out_trade_no before its last '-') asks, across both accounts. */
  claimFirstAttempt(outTradeNo: string): boolean {
    const paymentKey = outTradeNo.includes('-')
      ? outTradeNo.slice(0, outTradeNo.lastIndexOf('-'))
      : outTradeNo;
    if (this.failedFirstAttempts.has(paymentKey)) return false;
    this.failedFirstAttempts.add(paymentKey);
    return true;
  }

  create(input: NewTrade, now: Date): SandboxTrade {
    const trade: SandboxTrade = {
      ...input,
      tradeNo: newTradeNo(now),
      status: 'WAIT_BUYER_PAY',
      createdAt: now,
      paidAt: null,
      closedAt: null,
      refunds: [],
      refundCalls: 0,
    };
    this.trades.set(key(trade.account, trade.outTradeNo), trade);
    this.scheduleBuyerAndExpiry(trade, now);
    return trade;
  }

  /** A paid trade the service never asked for (reconciliation must find it). */
  createOrphan(account: SandboxAccountName, totalFen: number, now: Date): SandboxTrade {
    const trade = this.create(
      {
        account,
        outTradeNo: `orphan-${newTradeNo(now).slice(-12)}`,
        subject: 'orphan',
        totalFen,
        token: 'sim_never_pay',
        notifyUrl: null,
        expireAt: null,
      },
      now,
    );
    this.pay(trade, now);
    return trade;
  }

  close(trade: SandboxTrade, at: Date): boolean {
    if (trade.status !== 'WAIT_BUYER_PAY') return false;
    trade.status = 'TRADE_CLOSED';
    trade.closedAt = at;
    this.onChange(trade, 'closed');
    if (behaviourOf(trade.token).buyerPays === 'after_close') {
      this.scheduler.at(this.timing.latePayDelayMs, () => this.debitAfterClose(trade));
    }
    return true;
  }

  addRefund(trade: SandboxTrade, refund: SandboxRefund): void {
    trade.refunds.push(refund);
    if (refundedFen(trade) === trade.totalFen) {
      trade.status = 'TRADE_CLOSED';
      trade.closedAt = refund.at;
      this.onChange(trade, 'refunded_in_full');
    }
  }

  private scheduleBuyerAndExpiry(trade: SandboxTrade, now: Date): void {
    const behaviour = behaviourOf(trade.token).buyerPays;
    const expiry = (): void => this.expireOnTime(trade);
    const untilExpiry = trade.expireAt ? trade.expireAt.getTime() - now.getTime() : null;
    if (behaviour === 'at_deadline' && untilExpiry !== null) {
      // Both events due at the same instant: timers of one instant run in the order set, so a coin
      // decides who wins the race, and the check-and-set makes sure only one does.
      const payAtDeadline = (): void => this.buyerPays(trade, true);
      const [first, second] = randomInt(2) === 0 ? [payAtDeadline, expiry] : [expiry, payAtDeadline];
      this.scheduler.at(untilExpiry, first);
      this.scheduler.at(untilExpiry, second);
      return;
    }
    if (untilExpiry !== null) this.scheduler.at(untilExpiry, expiry);
    if (behaviour === 'after_delay') {
      this.scheduler.at(this.timing.payDelayMs, () => this.buyerPays(trade, false));
    }
  }

  /**
   * sim_pay_after_close: the buyer's money arrives although the close was confirmed (a delayed debit),
   * so the closed trade becomes paid, as a real channel's late debit does. Only once, and only if
   * nothing else (a refund) touched the trade since.
   */
  private debitAfterClose(trade: SandboxTrade): void {
    if (trade.status !== 'TRADE_CLOSED' || trade.paidAt || trade.refunds.length > 0) return;
    trade.closedAt = null;
    this.pay(trade, new Date());
  }

  private buyerPays(trade: SandboxTrade, atDeadline: boolean): void {
    if (trade.status !== 'WAIT_BUYER_PAY') return;
    // A buyer on time pays; a buyer arriving after time_expire finds the trade closed.
    if (!atDeadline && this.expireIfDue(trade)) return;
    this.pay(trade, atDeadline && trade.expireAt ? trade.expireAt : new Date());
  }

  private pay(trade: SandboxTrade, at: Date): void {
    trade.status = 'TRADE_SUCCESS';
    trade.paidAt = at;
    this.onChange(trade, 'paid');
  }

  /** The expiry timer: a timer may fire a millisecond early, so it waits out the rest if so. */
  private expireOnTime(trade: SandboxTrade): void {
    const early = trade.expireAt ? trade.expireAt.getTime() - Date.now() : 0;
    if (early > 0) this.scheduler.at(early, () => this.expireOnTime(trade));
    else this.expireIfDue(trade);
  }

  /** Closes a waiting trade whose time_expire has come; true when it did. */
  private expireIfDue(trade: SandboxTrade): boolean {
    if (trade.status !== 'WAIT_BUYER_PAY' || !trade.expireAt || Date.now() < trade.expireAt.getTime())
      return false;
    return this.close(trade, trade.expireAt);
  }
}

function key(account: SandboxAccountName, outTradeNo: string): string {
  return `${account}\u0000${outTradeNo}`;
}

/** Alipay-like 28-digit trade number: the Beijing date, then random digits. */
function newTradeNo(now: Date): string {
  const day = formatBeijingTime(now).slice(0, 10).replaceAll('-', '');
  let digits = '';
  for (let i = 0; i < 20; i += 1) digits += String(randomInt(10));
  return day + digits;
}

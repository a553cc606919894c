import { randomInt } from 'node:crypto';
import { behaviourOf } from './sandbox-behaviours';
import { SANDBOX_ACCOUNT_NAMES, type SandboxAccountName } from './sandbox-keys';
import type { SandboxScheduler } from './sandbox-scheduler';
import type { TradeJournal } from './trade-journal';
import {
  newTradeNo,
  refundedFen,
  tradeKey,
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
    private readonly notify: (trade: SandboxTrade, change: TradeChange) => void,
    private readonly journal: TradeJournal | null = null,
  ) {}

  /**
   * After a restart: the journal's trades back in the book, and what was pending re-derived from them,
   * as if the sandbox had never stopped: the buyer's payment and the expiry of waiting trades, a delayed
   * debit after a close, and the notify of a change the service never acknowledged (sent again now).
   */
  resume(now: Date): void {
    if (!this.journal) return;
    const { trades, firstAttempts } = this.journal.load();
    for (const paymentKey of firstAttempts) this.failedFirstAttempts.add(paymentKey);
    for (const trade of trades) this.trades.set(tradeKey(trade.account, trade.outTradeNo), trade);
    for (const trade of trades) {
      if (trade.status === 'WAIT_BUYER_PAY') this.scheduleBuyerAndExpiry(trade, now);
      else if (trade.status === 'TRADE_CLOSED' && trade.closedAt) this.scheduleDebitAfterClose(trade, now);
      const pending = trade.pendingNotify;
      if (pending) this.scheduler.at(0, () => this.notify(trade, pending));
    }
  }

  /** The service acknowledged the notify of `change` (answered `success`): nothing left to resend. */
  notified(trade: SandboxTrade, change: TradeChange): void {
    if (trade.pendingNotify !== change) return;
    trade.pendingNotify = null;
    this.save(trade);
  }

  /** A refund call seen (counted even when refused): sim_refund_fail_once fails the first. */
  countRefundCall(trade: SandboxTrade): number {
    trade.refundCalls += 1;
    this.save(trade);
    return trade.refundCalls;
  }

  find(account: SandboxAccountName, outTradeNo: string): SandboxTrade | undefined {
    const trade = this.trades.get(tradeKey(account, outTradeNo));
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
    this.journal?.saveFirstAttempt(paymentKey);
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
      pendingNotify: null,
    };
    this.trades.set(tradeKey(trade.account, trade.outTradeNo), trade);
    this.save(trade);
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
    this.changed(trade, 'closed');
    this.scheduleDebitAfterClose(trade, at);
    return true;
  }

  addRefund(trade: SandboxTrade, refund: SandboxRefund): void {
    trade.refunds.push(refund);
    if (refundedFen(trade) === trade.totalFen) {
      trade.status = 'TRADE_CLOSED';
      trade.closedAt = refund.at;
      this.changed(trade, 'refunded_in_full');
    } else this.save(trade);
  }

  /** Journals the trade, then tells the notifier: a notify never reports what a restart could forget. */
  private changed(trade: SandboxTrade, change: TradeChange): void {
    trade.pendingNotify = change;
    this.save(trade);
    this.notify(trade, change);
  }

  private save(trade: SandboxTrade): void {
    this.journal?.saveTrade(trade);
  }

  private scheduleDebitAfterClose(trade: SandboxTrade, now: Date): void {
    if (behaviourOf(trade.token).buyerPays !== 'after_close' || !trade.closedAt) return;
    const due = trade.closedAt.getTime() + this.timing.latePayDelayMs - now.getTime();
    this.scheduler.at(due, () => this.debitAfterClose(trade));
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
      const due = trade.createdAt.getTime() + this.timing.payDelayMs - now.getTime();
      this.scheduler.at(due, () => this.buyerPays(trade, false));
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
    this.changed(trade, 'paid');
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

import { randomBytes } from 'node:crypto';
import { formatBeijingTime } from '../beijing-time';
import { toDecimalString } from '../../domain/money';
import { behaviourOf } from './sandbox-behaviours';
import type { SandboxAccountName, SandboxKeys } from './sandbox-keys';
import type { SandboxFaults } from './sandbox-faults';
import type { SandboxScheduler } from './sandbox-scheduler';
import { NOTIFY_SIGN_EXCLUDED, rsa2Sign, signingContent } from './sandbox-signing';
import { refundedFen, type SandboxTrade, type TradeChange, type TradeStatus } from './sandbox-trade';

/** Alipay's retry schedule after an answer other than `success`: 4m, 10m, 10m, 1h, 2h, 6h, 15h. */
export const NOTIFY_RETRY_SCHEDULE_MS = [4, 10, 10, 60, 120, 360, 900].map((minutes) => minutes * 60_000);

const NOTIFY_TIMEOUT_MS = 10_000;
/** sim_success_duplicate_notify: the success notify this many times, then a stale WAIT_BUYER_PAY one. */
const DUPLICATE_SUCCESS_COPIES = 3;

type NotifyFields = Record<string, string>;

/** What the notify_url answered (Alipay counts only a body of exactly `success`), or why nothing did. */
export type NotifyDelivery = { status: number; body: string } | { error: string };

/**
 * Posts signed `trade_status_sync` notifies to a trade's notify_url, form-encoded like Alipay, and
 * retries each one on Alipay's schedule (times `scheduleScale`, so tests can compress hours to ms).
 */
export class SandboxNotifier {
  private readonly shutdown = new AbortController();

  constructor(
    private readonly deps: {
      scheduler: SandboxScheduler;
      faults: SandboxFaults;
      scheduleScale: number;
      keys: Record<SandboxAccountName, SandboxKeys>;
      log: (message: string) => void;
      /** The service acknowledged a change's notify (answered `success`), so a restart needs not resend it. */
      onDelivered?: (trade: SandboxTrade, change: TradeChange) => void;
    },
  ) {}

  notify(trade: SandboxTrade, change: TradeChange): void {
    const mode = behaviourOf(trade.token).notifies;
    const url = trade.notifyUrl;
    if (mode === 'none' || !url) return;
    const now = new Date();
    const status: TradeStatus = change === 'paid' ? 'TRADE_SUCCESS' : 'TRADE_CLOSED';
    const current = this.signed(trade, status, now);
    const delivered = (): void => this.deps.onDelivered?.(trade, change);
    if (mode === 'duplicates' && change === 'paid') {
      // Redeliveries of the same notify (same notify_id), a fresh copy, then a stale status after them.
      const copies = Array.from({ length: DUPLICATE_SUCCESS_COPIES - 1 }, () => current);
      copies.push(this.signed(trade, status, now));
      copies.push(this.signed(trade, 'WAIT_BUYER_PAY', trade.createdAt));
      void this.deliverInOrder(url, copies, delivered);
      return;
    }
    this.dispatch(url, current, delivered);
  }

  /** A drill's notify faults: lost (never sent), duplicated (same notify_id), delayed or held back. */
  private dispatch(url: string, fields: NotifyFields, delivered: () => void): void {
    const fault = this.deps.faults.forNotify();
    if (fault.lost) {
      this.deps.log(`notify ${fields.notify_id} to ${url} lost (fault)`);
      return;
    }
    for (let copy = 0; copy < fault.copies; copy += 1) {
      if (fault.delayMs === 0) void this.attempt(url, fields, 0, delivered);
      else this.deps.scheduler.at(fault.delayMs, () => void this.attempt(url, fields, 0, delivered));
    }
  }

  stop(): void {
    this.shutdown.abort();
  }

  private async deliverInOrder(url: string, notifies: NotifyFields[], delivered: () => void): Promise<void> {
    for (const fields of notifies) await this.attempt(url, fields, 0, delivered);
  }

  /**
   * `POST /sim/trades/{outTradeNo}/notify`: the trade's notify for its status now, freshly signed, sent
   * once (no retries: the caller sees the answer), whatever the token says about notifies.
   */
  async sendNow(trade: SandboxTrade): Promise<NotifyDelivery | null> {
    if (!trade.notifyUrl) return null;
    return this.post(trade.notifyUrl, this.signed(trade, trade.status, new Date()));
  }

  /** One delivery; never rejects. An answer other than exactly `success` schedules the next retry. */
  private async attempt(
    url: string,
    fields: NotifyFields,
    retriesDone: number,
    delivered: () => void,
  ): Promise<void> {
    if (this.deps.scheduler.isStopped) return;
    const answer = await this.post(url, fields);
    if (this.deps.scheduler.isStopped) return;
    if ('body' in answer && answer.body === 'success') return delivered();
    const delay = NOTIFY_RETRY_SCHEDULE_MS[retriesDone];
    this.deps.log(
      `notify ${fields.notify_id} to ${url} answered ${JSON.stringify(answer)}; retry ${retriesDone + 1}`,
    );
    if (delay === undefined) return;
    this.deps.scheduler.at(
      delay * this.deps.scheduleScale,
      () => void this.attempt(url, fields, retriesDone + 1, delivered),
    );
  }

  private async post(url: string, fields: NotifyFields): Promise<NotifyDelivery> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.any([AbortSignal.timeout(NOTIFY_TIMEOUT_MS), this.shutdown.signal]),
      });
      return { status: response.status, body: await response.text() };
    } catch (err) {
      return { error: `transport error: ${(err as Error).message}` };
    }
  }

  /** The notify for the trade as it stands, with the status it reports and the time it claims. */
  private signed(trade: SandboxTrade, status: TradeStatus, notifyTime: Date): NotifyFields {
    const keys = this.deps.keys[trade.account];
    const refunded = refundedFen(trade);
    const candidates: Record<string, string | null> = {
      notify_id: randomBytes(16).toString('hex'),
      notify_time: formatBeijingTime(notifyTime),
      notify_type: 'trade_status_sync',
      app_id: keys.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      trade_status: status,
      subject: trade.subject,
      total_amount: toDecimalString(trade.totalFen, 'CNY'),
      gmt_create: formatBeijingTime(trade.createdAt),
      // A stale WAIT_BUYER_PAY notify tells of the trade before it was paid or closed.
      gmt_payment: status !== 'WAIT_BUYER_PAY' && trade.paidAt ? formatBeijingTime(trade.paidAt) : null,
      receipt_amount:
        status !== 'WAIT_BUYER_PAY' && trade.paidAt ? toDecimalString(trade.totalFen, 'CNY') : null,
      gmt_close: status === 'TRADE_CLOSED' && trade.closedAt ? formatBeijingTime(trade.closedAt) : null,
      refund_fee: status !== 'WAIT_BUYER_PAY' && refunded > 0 ? toDecimalString(refunded, 'CNY') : null,
      out_biz_no: status !== 'WAIT_BUYER_PAY' ? (trade.refunds.at(-1)?.outRequestNo ?? null) : null,
    };
    // Empty fields are left out altogether: the SDK's notify check would otherwise sign `key=`.
    const fields: NotifyFields = {};
    for (const [name, value] of Object.entries(candidates)) if (value) fields[name] = value;
    fields.sign = rsa2Sign(signingContent(fields, NOTIFY_SIGN_EXCLUDED), keys.channelPrivateKeyPem);
    return fields;
  }
}

import { randomUUID } from 'node:crypto';
import { formatWechatTime } from '../../wechatpay/wechat-time';
import { behaviourOf } from '../sandbox-behaviours';
import type { SandboxFaults } from '../sandbox-faults';
import type { NotifyDelivery } from '../sandbox-notifier';
import type { SandboxScheduler } from '../sandbox-scheduler';
import type { SandboxTrade, TradeChange } from '../sandbox-trade';
import type { WechatSandboxKeys } from './wechat-keys';
import { encryptResource, signedHeaders } from './wechat-signing';

/** WeChat Pay's retry schedule after an answer other than 2xx: 15s 15s 30s 3m 10m 20m 30m×3 1h 3h×3 6h×2. */
export const WECHAT_NOTIFY_RETRY_SCHEDULE_MS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
].map((seconds) => seconds * 1000);

const NOTIFY_TIMEOUT_MS = 5_000;
const DUPLICATE_SUCCESS_COPIES = 3;

interface Notify {
  id: string;
  body: string;
}

/**
 * Posts `TRANSACTION.SUCCESS` notifies (the transaction encrypted under the APIv3 key, the body signed
 * with the platform key like every answer) and retries each on WeChat's schedule, times `scheduleScale`.
 * WeChat notifies payments only: a close or a refund is learnt by query.
 */
export class WechatNotifier {
  private readonly shutdown = new AbortController();

  constructor(
    private readonly deps: {
      keys: WechatSandboxKeys;
      scheduler: SandboxScheduler;
      faults: SandboxFaults;
      scheduleScale: number;
      /** The transaction as a query would answer it (the plaintext of the resource). */
      transactionOf: (trade: SandboxTrade) => Record<string, unknown>;
      log: (message: string) => void;
      /** The service took a payment's notify (a 2xx), so a restart needs not resend it. */
      onDelivered?: (trade: SandboxTrade, change: TradeChange) => void;
    },
  ) {}

  notify(trade: SandboxTrade, change: TradeChange): void {
    const mode = behaviourOf(trade.token).notifies;
    if (change !== 'paid' || mode === 'none' || !trade.notifyUrl) return;
    const url = trade.notifyUrl;
    const current = this.build(this.deps.transactionOf(trade));
    const delivered = (): void => this.deps.onDelivered?.(trade, change);
    if (mode === 'duplicates') {
      // Redeliveries of one notify (same id), a fresh copy, then a stale NOTPAY after them.
      const stale = { ...this.deps.transactionOf(trade), trade_state: 'NOTPAY' };
      const copies = [current, current, this.build(this.deps.transactionOf(trade)), this.build(stale)];
      void this.inOrder(url, copies.slice(0, DUPLICATE_SUCCESS_COPIES + 1), delivered);
      return;
    }
    const fault = this.deps.faults.forNotify();
    if (fault.lost) return this.deps.log(`wechat notify ${current.id} lost (fault)`);
    for (let copy = 0; copy < fault.copies; copy += 1) {
      this.deps.scheduler.at(fault.delayMs, () => void this.attempt(url, current, 0, delivered));
    }
  }

  /** The trade's notify now, freshly built and signed, sent once; the caller sees the answer. */
  async sendNow(trade: SandboxTrade): Promise<NotifyDelivery | null> {
    if (!trade.notifyUrl) return null;
    return this.post(trade.notifyUrl, this.build(this.deps.transactionOf(trade)));
  }

  stop(): void {
    this.shutdown.abort();
  }

  /** The notify body for a transaction, and its id. */
  build(transaction: Record<string, unknown>): Notify {
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      create_time: formatWechatTime(new Date()),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        ...encryptResource(JSON.stringify(transaction), this.deps.keys.apiV3Key, 'transaction'),
      },
    });
    return { id, body };
  }

  private async inOrder(url: string, notifies: Notify[], delivered: () => void): Promise<void> {
    for (const notify of notifies) await this.attempt(url, notify, 0, delivered);
  }

  /** One delivery; never rejects. WeChat counts any 2xx as received; anything else is retried. */
  private async attempt(
    url: string,
    notify: Notify,
    retriesDone: number,
    delivered: () => void,
  ): Promise<void> {
    if (this.deps.scheduler.isStopped) return;
    const answer = await this.post(url, notify);
    if (this.deps.scheduler.isStopped) return;
    if ('status' in answer && answer.status >= 200 && answer.status < 300) return delivered();
    const delay = WECHAT_NOTIFY_RETRY_SCHEDULE_MS[retriesDone];
    this.deps.log(`wechat notify ${notify.id} answered ${JSON.stringify(answer)}; retry ${retriesDone + 1}`);
    if (delay === undefined) return;
    this.deps.scheduler.at(
      delay * this.deps.scheduleScale,
      () => void this.attempt(url, notify, retriesDone + 1, delivered),
    );
  }

  private async post(url: string, notify: Notify): Promise<NotifyDelivery> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        // Signed as it leaves (a redelivery carries a fresh timestamp, as WeChat's do).
        headers: { 'content-type': 'application/json', ...signedHeaders(notify.body, this.deps.keys) },
        body: notify.body,
        signal: AbortSignal.any([AbortSignal.timeout(NOTIFY_TIMEOUT_MS), this.shutdown.signal]),
      });
      return { status: response.status, body: await response.text() };
    } catch (err) {
      return { error: `transport error: ${(err as Error).message}` };
    }
  }
}

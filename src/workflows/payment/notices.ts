import { parseChannelOutTradeNo } from '../../domain/ids';
import type { ChannelNotice } from '../contract';
import { onPaid, settle } from './attempt-steps';
import type { PaymentState } from './payment-state';

/** How many notify ids are remembered (and carried over continue-as-new) to drop replays. */
const SEEN_LIMIT = 200;

/**
 * Verified channel notices waiting for the main loop. A notice whose notify id was seen before (the
 * channel retrying, a replayed body) is dropped on arrival: it is processed once.
 */
export class NoticeInbox {
  private readonly queue: ChannelNotice[] = [];
  private readonly seen: string[];

  constructor(seen: string[] = []) {
    this.seen = seen.slice(-SEEN_LIMIT);
  }

  push(n: ChannelNotice): void {
    // A notice without a notify id cannot be told apart from another: processed (processing is idempotent).
    if (n.notifyId) {
      if (this.seen.includes(n.notifyId)) return;
      this.seen.push(n.notifyId);
      if (this.seen.length > SEEN_LIMIT) this.seen.shift();
    }
    this.queue.push(n);
  }

  get pending(): boolean {
    return this.queue.length > 0;
  }

  shift(): ChannelNotice | undefined {
    return this.queue.shift();
  }

  seenIds(): string[] {
    return [...this.seen];
  }
}

/** Applies every waiting notice, oldest first. */
export async function drainNotices(s: PaymentState, inbox: NoticeInbox): Promise<void> {
  for (let n = inbox.shift(); n; n = inbox.shift()) {
    const ref = parseChannelOutTradeNo(n.channelOutTradeNo);
    if (!ref || ref.paymentId !== s.view.id) continue;
    if (n.status === 'PAID') {
      await onPaid(s, ref.attemptNo, n.channelTradeNo, n.paidAt, n.amount, 'NOTIFY');
    } else if (s.current?.attemptNo === ref.attemptNo) {
      // A stale WAIT_BUYER_PAY after a success changes nothing: final statuses are never left.
      await settle(
        s,
        n.status === 'CLOSED' ? { kind: 'CLOSED' } : { kind: 'WAITING', channelTradeNo: n.channelTradeNo },
        `notify: ${n.status}`,
      );
    }
  }
}

import {
  ApplicationFailure,
  log,
  ParentClosePolicy,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { REFUND_WORKFLOW_TYPE } from './refund-contract';
import type { CloseOutcome, PayOutcome, QueryOutcome } from '../activities/channel-outcomes';
import type { StatusChange } from '../db/payment-repository';
import { channelOutTradeNo } from '../domain/ids';
import type { AttemptView, CreatePaymentInput, PaymentMethod, PaymentView } from '../domain/payment';
import type { AttemptStatus, CloseReason, PaymentStatus } from '../domain/payment-status';
import { canTransitionAttempt, isFinalAttempt } from '../domain/attempt-state-machine';
import { canTransitionPayment, isTerminalPayment } from '../domain/payment-state-machine';
import { channel, db, pay } from './activity-proxies';
import { ChannelKey, PaymentStatusKey } from './contract';

type ChannelResult =
  | { kind: 'PAID'; channelTradeNo: string; paidAt: string | null }
  | { kind: 'WAITING'; channelTradeNo: string | null }
  | { kind: 'CLOSED' }
  | { kind: 'UNKNOWN'; code?: string; message?: string };

/**
 * The payment's state inside its workflow and every move it makes. Each move writes through the
 * `applyStatusChange` activity (compare-and-set) and adopts the row the database returns, so the
 * workflow's view and the record never drift apart.
 */
export class PaymentSaga {
  view!: PaymentView;
  routes: string[] = [];
  /** The method of the latest attempt: a retry pays with the same one unless the buyer gives another. */
  lastMethod: PaymentMethod | undefined;
  /** Workflow time the first attempt started: automatic retries are bounded by the wait since then. */
  firstAttemptAt: number | null = null;
  private readonly lateRecorded = new Set<number>();
  /** What the search attributes show now; PaymentStatus starts as CREATED (set when the workflow starts). */
  private indexed: { status: PaymentStatus; channel: string | null } = { status: 'CREATED', channel: null };

  constructor(readonly request: CreatePaymentInput) {}

  get status(): PaymentStatus {
    return this.view.status;
  }
  get deadline(): number {
    return Date.parse(this.view.expiresAt);
  }
  get current(): AttemptView | undefined {
    return this.view.attempts[this.view.attempts.length - 1];
  }
  get hasOpenAttempt(): boolean {
    const a = this.current;
    return a !== undefined && !isFinalAttempt(a.status);
  }

  adopt(view: PaymentView): void {
    const before = this.indexed;
    this.view = view;
    // Only on change: every upsert is an event and a visibility write on the server.
    const channelName = this.current?.channel ?? null;
    if (before.status === view.status && before.channel === channelName) return;
    this.indexed = { status: view.status, channel: channelName };
    upsertSearchAttributes([
      { key: PaymentStatusKey, value: view.status },
      ...(channelName ? [{ key: ChannelKey, value: channelName }] : []),
    ]);
  }

  /** One compare-and-set write of the payment and/or its current attempt. */
  async move(
    reason: string,
    to: { payment?: PaymentStatus; attempt?: AttemptStatus; closeReason?: CloseReason },
    extra: Partial<StatusChange> & {
      code?: string;
      message?: string;
      channelTradeNo?: string | null;
      paidAt?: string | null;
    } = {},
  ): Promise<void> {
    const at = new Date().toISOString();
    const change: StatusChange = {
      paymentId: this.view.id,
      at,
      reason,
      nextAction: extra.nextAction,
      newAttempt: extra.newAttempt,
    };
    if (to.payment && to.payment !== this.status) {
      if (!canTransitionPayment(this.status, to.payment)) {
        throw ApplicationFailure.nonRetryable(
          `illegal payment move ${this.status} -> ${to.payment}`,
          'ILLEGAL_TRANSITION',
        );
      }
      change.payment = {
        from: this.status,
        to: to.payment,
        closeReason: to.closeReason,
        paidAt: to.payment === 'SUCCEEDED' ? (extra.paidAt ?? at) : undefined,
        closedAt: to.payment === 'CLOSED' || to.payment === 'FAILED' ? at : undefined,
      };
    }
    const a = this.current;
    if (to.attempt && a && !extra.newAttempt) {
      if (to.attempt !== a.status && !canTransitionAttempt(a.status, to.attempt)) {
        throw ApplicationFailure.nonRetryable(
          `illegal attempt move ${a.status} -> ${to.attempt}`,
          'ILLEGAL_TRANSITION',
        );
      }
      change.attempt = {
        attemptNo: a.attemptNo,
        from: a.status,
        to: to.attempt,
        code: extra.code,
        message: extra.message,
        channelTradeNo: extra.channelTradeNo,
      };
    }
    this.adopt(await db.applyStatusChange(change));
  }

  /** Starts attempt n+1 at `channelName` and makes its pay call; the payment must be payable now. */
  async startAttempt(channelName: string, method: PaymentMethod | undefined): Promise<void> {
    const attemptNo = this.view.attempts.length + 1;
    const outTradeNo = channelOutTradeNo(this.view.id, attemptNo);
    this.lastMethod = method;
    this.firstAttemptAt ??= Date.now();
    await this.move(
      'attempt started',
      { payment: 'PROCESSING' },
      {
        newAttempt: { attemptNo, channel: channelName, channelOutTradeNo: outTradeNo, method },
        nextAction: null,
      },
    );
    let outcome: PayOutcome;
    try {
      outcome = await pay.channelPay({
        channel: channelName,
        outTradeNo,
        amount: this.view.amount,
        currency: this.view.currency,
        subject: this.view.subject,
        expiresAt: this.view.expiresAt,
        method,
      });
    } catch (err) {
      // The call may have reached the channel: never guess, resolve by query.
      outcome = { outcome: 'UNKNOWN', code: 'PAY_CALL_FAILED', message: String((err as Error).message) };
    }
    switch (outcome.outcome) {
      case 'PENDING':
        return this.move(
          'pay accepted',
          { attempt: 'PROCESSING' },
          {
            nextAction: outcome.nextAction,
            channelTradeNo: outcome.channelTradeNo,
          },
        );
      case 'PAID':
        return this.settle(
          { kind: 'PAID', channelTradeNo: outcome.channelTradeNo, paidAt: outcome.paidAt },
          'paid at once',
        );
      case 'DECLINED':
        return this.move(
          'declined',
          { payment: 'AWAITING_RETRY', attempt: 'FAILED' },
          { code: outcome.code, message: outcome.message },
        );
      case 'UNKNOWN':
        return this.move(
          'pay result unknown',
          { payment: 'UNKNOWN', attempt: 'UNKNOWN' },
          {
            code: outcome.code,
            message: outcome.message,
          },
        );
    }
  }

  /** Asks the channel about the current attempt and applies the answer. */
  async poll(): Promise<void> {
    const a = this.current;
    if (!a) return;
    let q: QueryOutcome;
    try {
      q = await channel.channelQuery({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
    } catch {
      return; // still unknown; the next poll or the deadline resolves it
    }
    if (q.status === 'PAID')
      return this.settle({ kind: 'PAID', channelTradeNo: q.channelTradeNo, paidAt: q.paidAt }, 'query: paid');
    if (q.status === 'WAIT_BUYER_PAY')
      return this.settle({ kind: 'WAITING', channelTradeNo: q.channelTradeNo }, 'query: waiting');
    if (q.status === 'CLOSED') return this.settle({ kind: 'CLOSED' }, 'query: closed at channel');
    // NOT_FOUND while unknown: the pay call may still be in flight at the channel; keep asking until the deadline.
  }

  /** Operator re-query: the open attempt is polled; a finished one is asked too, so late money is found now. */
  async queryNow(): Promise<void> {
    const a = this.current;
    if (!a) return;
    if (this.hasOpenAttempt) return this.poll();
    let q: QueryOutcome;
    try {
      q = await channel.channelQuery({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
    } catch {
      return;
    }
    if (q.status === 'PAID')
      await this.onPaid(a.attemptNo, q.channelTradeNo, q.paidAt, q.amount, 'operator query: paid');
  }

  /** Applies a channel result for the current, still-open attempt. */
  async settle(r: ChannelResult, reason: string): Promise<void> {
    if (!this.hasOpenAttempt || isTerminalPayment(this.status)) return;
    if (r.kind === 'PAID') {
      return this.move(
        reason,
        { payment: 'SUCCEEDED', attempt: 'SUCCEEDED' },
        { channelTradeNo: r.channelTradeNo, paidAt: r.paidAt },
      );
    }
    if (r.kind === 'WAITING' && this.current?.status === 'UNKNOWN') {
      return this.move(
        reason,
        { payment: 'PROCESSING', attempt: 'PROCESSING' },
        { channelTradeNo: r.channelTradeNo },
      );
    }
    if (r.kind === 'CLOSED') {
      // The channel closed the trade itself (its time_expire is our deadline): the payment expired with it.
      const expired = Date.now() >= this.deadline - 1_000;
      return this.move(
        reason,
        expired
          ? { payment: 'CLOSED', attempt: 'CLOSED', closeReason: 'EXPIRED' }
          : { payment: 'AWAITING_RETRY', attempt: 'CLOSED' },
      );
    }
  }

  /**
   * Makes the current attempt final at its channel: close; when the close cannot be confirmed, reverse.
   * Returns 'PAID' when the buyer paid first (the payment then SUCCEEDED), 'DONE' when closed, or
   * 'UNKNOWN' when neither could be confirmed (caller retries later; the payment shows UNKNOWN).
   */
  async closeAtChannel(closeReason: CloseReason): Promise<'PAID' | 'DONE' | 'UNKNOWN'> {
    const a = this.current;
    if (!a || isFinalAttempt(a.status)) {
      await this.move(`closed: ${closeReason}`, { payment: 'CLOSED', closeReason });
      return 'DONE';
    }
    let c: CloseOutcome;
    try {
      c = await channel.channelClose({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
    } catch (err) {
      c = { outcome: 'UNKNOWN', code: 'CLOSE_CALL_FAILED', message: String((err as Error).message) };
    }
    if (c.outcome === 'ALREADY_PAID') {
      await this.settle(
        { kind: 'PAID', channelTradeNo: c.channelTradeNo, paidAt: c.paidAt },
        'close: already paid',
      );
      return 'PAID';
    }
    if (c.outcome === 'CLOSED' || c.outcome === 'NOT_FOUND') {
      await this.move(`closed: ${closeReason}`, { payment: 'CLOSED', attempt: 'CLOSED', closeReason });
      return 'DONE';
    }
    try {
      const r = await channel.channelCancel({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
      if (r.outcome === 'REVERSED') {
        await this.move(`reversed (${r.action}): ${closeReason}`, {
          payment: 'CLOSED',
          attempt: 'REVERSED',
          closeReason,
        });
        return 'DONE';
      }
    } catch (err) {
      log.warn('cancel failed', { paymentId: this.view.id, error: String(err) });
    }
    if (this.status !== 'UNKNOWN') {
      await this.move('close and reversal unconfirmed', { payment: 'UNKNOWN', attempt: 'UNKNOWN' });
    }
    return 'UNKNOWN';
  }

  /**
   * Before another attempt starts, the previous one must be final at its own channel, so a retry is never
   * a second live charge: query, and close (or reverse) a trade still waiting. False when that cannot be
   * confirmed now, or the channel says the old trade was paid after all (then it is recorded for refund).
   */
  async finalizeAtChannel(attempt: AttemptView): Promise<boolean> {
    let q: QueryOutcome;
    try {
      q = await channel.channelQuery({ channel: attempt.channel, outTradeNo: attempt.channelOutTradeNo });
    } catch {
      return false;
    }
    if (q.status === 'NOT_FOUND' || q.status === 'CLOSED') return true;
    if (q.status === 'PAID') {
      await this.recordLateSuccess(attempt.attemptNo, q.channelTradeNo, q.amount);
      return false;
    }
    if (q.status === 'UNKNOWN') return false;
    try {
      const c = await channel.channelClose({
        channel: attempt.channel,
        outTradeNo: attempt.channelOutTradeNo,
      });
      if (c.outcome === 'CLOSED' || c.outcome === 'NOT_FOUND') return true;
      if (c.outcome === 'ALREADY_PAID') {
        await this.recordLateSuccess(attempt.attemptNo, c.channelTradeNo, this.view.amount);
        return false;
      }
      const r = await channel.channelCancel({
        channel: attempt.channel,
        outTradeNo: attempt.channelOutTradeNo,
      });
      return r.outcome === 'REVERSED';
    } catch {
      return false;
    }
  }

  /** A channel says attempt `attemptNo` was paid: settle it if current and open, else record it for refund. */
  async onPaid(
    attemptNo: number,
    channelTradeNo: string,
    paidAt: string | null,
    amount: number,
    reason: string,
  ): Promise<void> {
    const isCurrentAndOpen =
      this.current?.attemptNo === attemptNo && this.hasOpenAttempt && !isTerminalPayment(this.status);
    if (isCurrentAndOpen) return this.settle({ kind: 'PAID', channelTradeNo, paidAt }, reason);
    return this.recordLateSuccess(attemptNo, channelTradeNo, amount);
  }

  /** A success for an attempt that is no longer current, or after the payment ended: never kept silently. */
  async recordLateSuccess(attemptNo: number, channelTradeNo: string | null, amount: number): Promise<void> {
    if (this.lateRecorded.has(attemptNo)) return;
    const attempt = this.view.attempts.find((x) => x.attemptNo === attemptNo);
    if (!attempt) return;
    const winner =
      this.status === 'SUCCEEDED' &&
      this.view.attempts.some((x) => x.status === 'SUCCEEDED' && x.attemptNo === attemptNo);
    if (winner) return; // the success we already counted
    this.lateRecorded.add(attemptNo);
    const reason = this.status === 'SUCCEEDED' ? 'DUPLICATE_PAYMENT' : 'LATE_PAYMENT';
    await db.recordLatePayment({
      paymentId: this.view.id,
      attemptNo,
      channel: attempt.channel,
      channelTradeNo,
      amount,
      reason,
    });
    log.warn('late or duplicate payment: refunding it in full', {
      paymentId: this.view.id,
      attemptNo,
      reason,
    });
    // Refunded automatically, in its own workflow that outlives this one (ABANDON): the money goes back
    // even if this payment's grace window ends first.
    const late = await db.recordLateRefund({
      paymentId: this.view.id,
      attemptNo,
      kind: reason,
      amount,
      currency: this.view.currency,
      channel: attempt.channel,
      channelOutTradeNo: attempt.channelOutTradeNo,
    });
    try {
      await startChild(REFUND_WORKFLOW_TYPE, {
        workflowId: late.workflowId,
        args: [{ refundId: late.refundId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

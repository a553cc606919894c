import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { canTransitionAttempt, isFinalAttempt } from '../../domain/attempt-state-machine';
import type { AttemptView, CreatePaymentInput, PaymentMethod, PaymentView } from '../../domain/payment';
import type { AttemptStatus, CloseReason, PaymentStatus } from '../../domain/payment-status';
import { canTransitionPayment } from '../../domain/payment-state-machine';
import { clampPaidAt, type StatusChange } from '../../domain/status-change';
import { db } from '../activity-proxies';
import { ChannelKey, PaymentStatusKey } from '../contract';
import type { AutoRetryState, CloseIntent, PaymentPhase, PaymentResume } from './resume';

export interface MoveTarget {
  payment?: PaymentStatus;
  attempt?: AttemptStatus;
  closeReason?: CloseReason;
}

export type MoveExtra = Partial<StatusChange> & {
  code?: string;
  message?: string;
  channelTradeNo?: string | null;
  paidAt?: string | null;
};

/**
 * The payment's state inside its workflow, and the one way it changes: `move`, a compare-and-set write
 * through the `applyStatusChange` activity whose returned row is adopted, so the workflow's view and the
 * record never drift apart. Everything here is plain data, carried over continue-as-new (`toResume`).
 */
export class PaymentState {
  view!: PaymentView;
  routes: string[] = [];
  /** The method of the latest attempt: a retry pays with the same one unless the buyer gives another. */
  lastMethod: PaymentMethod | undefined;
  /** Workflow time the first attempt started: automatic retries are bounded by the wait since then. */
  firstAttemptAt: number | null = null;
  readonly lateRecorded = new Set<number>();
  retries: AutoRetryState = { retries: 0, lastVerdict: null };
  /** A close or cancel not yet confirmed by the channel (see CloseIntent). */
  intent: CloseIntent | null = null;
  run = 1;
  /** What the search attributes show now; PaymentStatus starts as CREATED (set when the workflow starts). */
  private indexed: { status: PaymentStatus; channel: string | null } = { status: 'CREATED', channel: null };

  constructor(readonly request: CreatePaymentInput) {}

  static fromResume(request: CreatePaymentInput, r: PaymentResume): PaymentState {
    const s = new PaymentState(request);
    s.view = r.view;
    s.routes = r.routes;
    s.lastMethod = r.lastMethod ?? undefined;
    s.firstAttemptAt = r.firstAttemptAt;
    r.lateRecorded.forEach((n) => s.lateRecorded.add(n));
    s.retries = r.retries;
    s.intent = r.intent;
    s.indexed = r.indexed;
    s.run = r.run + 1;
    return s;
  }

  toResume(phase: PaymentPhase, seenNotifyIds: string[]): PaymentResume {
    return {
      view: this.view,
      routes: this.routes,
      lastMethod: this.lastMethod ?? null,
      firstAttemptAt: this.firstAttemptAt,
      lateRecorded: [...this.lateRecorded],
      retries: this.retries,
      seenNotifyIds,
      intent: this.intent,
      phase,
      indexed: this.indexed,
      run: this.run,
    };
  }

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
  async move(reason: string, to: MoveTarget, extra: MoveExtra = {}): Promise<void> {
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
        paidAt: to.payment === 'SUCCEEDED' ? clampPaidAt(extra.paidAt, this.view.createdAt, at) : undefined,
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
}

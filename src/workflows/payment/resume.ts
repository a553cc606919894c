import type { RetryVerdict } from '../../activities/retry-activities';
import type { PaymentMethod, PaymentView } from '../../domain/payment';
import type { CloseReason, PaymentStatus } from '../../domain/payment-status';

/**
 * A close the channel has not confirmed yet (merchant close, operator cancel, or the deadline's own
 * close). Kept, and carried over continue-as-new, until the channel confirms it; meanwhile the payment is
 * UNKNOWN and nothing moves it back to PROCESSING.
 */
export interface CloseIntent {
  closeReason: CloseReason;
  /** Tries made so far: the wait before the next one doubles with each (capped at pollMaxMs). */
  tries: number;
  /** Workflow time (ms) of the next try. */
  nextTryAt: number;
}

/** Where the run is: waiting for the payment's outcome, or its grace window for late money. */
export type PaymentPhase = { kind: 'ACTIVE'; polls: number } | { kind: 'GRACE'; graceEnd: number };

/** What automatic retries have done so far (kept in the workflow, carried over continue-as-new). */
export interface AutoRetryState {
  retries: number;
  lastVerdict: RetryVerdict | null;
}

/** The workflow's whole state, carried from one run to the next by continue-as-new. Plain JSON. */
export interface PaymentResume {
  view: PaymentView;
  routes: string[];
  lastMethod: PaymentMethod | null;
  firstAttemptAt: number | null;
  /** Attempts whose late or duplicate success was recorded for refund. */
  lateRecorded: number[];
  retries: AutoRetryState;
  /** Channel notify ids already processed (the most recent ones): a replayed notify body is not processed twice. */
  seenNotifyIds: string[];
  intent: CloseIntent | null;
  phase: PaymentPhase;
  /** What the search attributes show now. */
  indexed: { status: PaymentStatus; channel: string | null };
  /** 1 for the run that created the payment, +1 per continue-as-new. */
  run: number;
}

import { IllegalTransitionError } from './domain-errors';
import type { AttemptStatus } from './payment-status';

/**
 * Every legal status change of one channel attempt. An attempt starts PROCESSING: a trade was
 * requested at the channel. CLOSED and REVERSED both end a trade unpaid-for-us; REVERSED is the
 * cancel used when a close could not be confirmed (design notes, "at the deadline"). Final statuses
 * have no way out, so a late signal can never rewrite what an attempt ended as.
 */
export const ATTEMPT_TRANSITIONS: Readonly<Record<AttemptStatus, readonly AttemptStatus[]>> = Object.freeze({
  PROCESSING: Object.freeze(['UNKNOWN', 'SUCCEEDED', 'FAILED', 'CLOSED', 'REVERSED'] as const),
  // A query that finds the trade still waiting for the buyer moves UNKNOWN back to PROCESSING.
  UNKNOWN: Object.freeze(['PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED', 'REVERSED'] as const),
  SUCCEEDED: Object.freeze([] as const),
  FAILED: Object.freeze([] as const),
  CLOSED: Object.freeze([] as const),
  REVERSED: Object.freeze([] as const),
});

export function isFinalAttempt(s: AttemptStatus): boolean {
  return Object.hasOwn(ATTEMPT_TRANSITIONS, s) && ATTEMPT_TRANSITIONS[s].length === 0;
}

/** Staying put is not a transition. */
export function canTransitionAttempt(from: AttemptStatus, to: AttemptStatus): boolean {
  return Object.hasOwn(ATTEMPT_TRANSITIONS, from) && ATTEMPT_TRANSITIONS[from].includes(to);
}

export function assertAttemptTransition(from: AttemptStatus, to: AttemptStatus): void {
  if (!canTransitionAttempt(from, to)) throw new IllegalTransitionError('attempt', from, to);
}

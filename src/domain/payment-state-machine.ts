import { IllegalTransitionError, type ErrorCode } from './domain-errors';
import type { PaymentStatus } from './payment-status';

/**
 * Every legal payment status change, as data, so that tests can walk it and the one writer
 * (the payment workflow) can check a move before making it. A final status has no way out:
 * money decided is never un-decided by a later signal, poll or retry.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = Object.freeze({
  // A first attempt may already answer anything; a merchant may close before paying.
  CREATED: Object.freeze([
    'PROCESSING',
    'UNKNOWN',
    'AWAITING_RETRY',
    'SUCCEEDED',
    'FAILED',
    'CLOSED',
  ] as const),
  PROCESSING: Object.freeze(['UNKNOWN', 'AWAITING_RETRY', 'SUCCEEDED', 'FAILED', 'CLOSED'] as const),
  // A query or late notify resolves UNKNOWN; PROCESSING again when a query says the buyer is still paying.
  UNKNOWN: Object.freeze(['PROCESSING', 'AWAITING_RETRY', 'SUCCEEDED', 'FAILED', 'CLOSED'] as const),
  // No channel trade is open while awaiting retry, so it cannot jump straight to SUCCEEDED or UNKNOWN.
  AWAITING_RETRY: Object.freeze(['PROCESSING', 'FAILED', 'CLOSED'] as const),
  SUCCEEDED: Object.freeze([] as const),
  FAILED: Object.freeze([] as const),
  CLOSED: Object.freeze([] as const),
});

export const TERMINAL_PAYMENT_STATUSES: readonly PaymentStatus[] = Object.freeze([
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
] as const);

export function isTerminalPayment(s: PaymentStatus): boolean {
  return TERMINAL_PAYMENT_STATUSES.includes(s);
}

/** Staying put is not a transition: callers treat "already there" separately (usually as a no-op). */
export function canTransitionPayment(from: PaymentStatus, to: PaymentStatus): boolean {
  // Object.hasOwn guards against a status-shaped string that is not one (e.g. from the database).
  return Object.hasOwn(PAYMENT_TRANSITIONS, from) && PAYMENT_TRANSITIONS[from].includes(to);
}

export function assertPaymentTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransitionPayment(from, to)) throw new IllegalTransitionError('payment', from, to);
}

/** Contract section 2 "pay again": null when allowed (AWAITING_RETRY), else the error code. */
export function payAgainRefusal(s: PaymentStatus): ErrorCode | null {
  switch (s) {
    case 'AWAITING_RETRY':
      return null;
    case 'SUCCEEDED':
      return 'PAYMENT_ALREADY_SUCCEEDED';
    case 'CREATED':
    case 'PROCESSING':
      return 'PAYMENT_IN_PROGRESS';
    case 'UNKNOWN':
      return 'PAYMENT_STATUS_UNKNOWN';
    case 'FAILED':
    case 'CLOSED':
      return 'PAYMENT_CLOSED';
  }
}

/**
 * Merchant close: null when the payment can be closed (CREATED, PROCESSING, UNKNOWN,
 * AWAITING_RETRY) or is CLOSED already (a repeated close is idempotent);
 * SUCCEEDED -> PAYMENT_ALREADY_SUCCEEDED (refund it instead); FAILED -> PAYMENT_CLOSED.
 */
export function closeRefusal(s: PaymentStatus): ErrorCode | null {
  switch (s) {
    case 'CREATED':
    case 'PROCESSING':
    case 'UNKNOWN':
    case 'AWAITING_RETRY':
    case 'CLOSED':
      return null;
    case 'SUCCEEDED':
      return 'PAYMENT_ALREADY_SUCCEEDED';
    case 'FAILED':
      return 'PAYMENT_CLOSED';
  }
}

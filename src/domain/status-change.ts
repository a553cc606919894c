import type { NextActionView } from './payment';
import type { AttemptStatus, CloseReason, PaymentStatus } from './payment-status';

/**
 * A status change of a payment and/or one of its attempts, as the payment workflow (the one writer)
 * decides it and the record applies it with compare-and-set.
 */
export interface StatusChange {
  paymentId: string;
  at: string;
  reason: string;
  payment?: {
    from: PaymentStatus;
    to: PaymentStatus;
    closeReason?: CloseReason;
    paidAt?: string;
    closedAt?: string;
  };
  /** A new attempt row to insert (status PROCESSING) in the same transaction. */
  newAttempt?: { attemptNo: number; channel: string; channelOutTradeNo: string; method: unknown };
  attempt?: {
    attemptNo: number;
    from: AttemptStatus;
    to: AttemptStatus;
    code?: string | null;
    message?: string | null;
    channelTradeNo?: string | null;
  };
  /** The cashier's next step, shown on the payment while its attempt is open. */
  nextAction?: NextActionView | null;
}

/** The expected status was not there: someone else moved the row, which the one-writer design forbids. */
export class StaleStatusError extends Error {
  constructor(
    readonly entity: string,
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(`${entity}: expected status ${expected}, found ${actual ?? 'nothing'}`);
    this.name = 'StaleStatusError';
  }
}

/**
 * The channel reports payment times in whole seconds, so a buyer paying within the second the payment was
 * created would show a paidAt before createdAt. Never earlier than the payment itself.
 */
export function clampPaidAt(
  channelPaidAt: string | null | undefined,
  createdAt: string,
  now: string,
): string {
  const paid = channelPaidAt ?? now;
  return Date.parse(paid) < Date.parse(createdAt) ? createdAt : paid;
}

/**
 * The error codes of the public contract (section 1) and the HTTP status each one answers with.
 * Kept here, not in the API, so that workflows and activities can refuse with the same codes
 * the HTTP layer will render, without importing HTTP code.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  IDEMPOTENCY_MISMATCH: 409,
  PAYMENT_ALREADY_SUCCEEDED: 409,
  PAYMENT_IN_PROGRESS: 409,
  PAYMENT_STATUS_UNKNOWN: 409,
  PAYMENT_CLOSED: 409,
  PAYMENT_NOT_SUCCEEDED: 409,
  ORDER_EXPIRED: 422,
  REFUND_EXCEEDS_AVAILABLE: 422,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Short human titles for the problem+json `title` field. */
export const ERROR_TITLES: Readonly<Record<ErrorCode, string>> = Object.freeze({
  VALIDATION_ERROR: 'Invalid request',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  IDEMPOTENCY_MISMATCH: 'Idempotency key reused with different parameters',
  PAYMENT_ALREADY_SUCCEEDED: 'Payment already succeeded',
  PAYMENT_IN_PROGRESS: 'Payment in progress',
  PAYMENT_STATUS_UNKNOWN: 'Payment status unknown',
  PAYMENT_CLOSED: 'Payment closed',
  PAYMENT_NOT_SUCCEEDED: 'Payment not succeeded',
  ORDER_EXPIRED: 'Order expired',
  REFUND_EXCEEDS_AVAILABLE: 'Refund exceeds available amount',
});

/** Own keys only, so that inherited names such as `toString` are never taken for codes. */
export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.hasOwn(ERROR_STATUS, x);
}

/** A refusal the caller is meant to see: the API renders it as problem+json with its code's status. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * A status change the state machine forbids. This is a bug or a race lost by the caller, never a
 * client error, so it deliberately carries no contract code.
 */
export class IllegalTransitionError extends Error {
  constructor(
    readonly entity: 'payment' | 'attempt',
    readonly from: string,
    readonly to: string,
  ) {
    super(`Illegal ${entity} transition ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

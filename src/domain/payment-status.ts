/** Statuses exactly as the public contract (section 2) spells them. */
export const PAYMENT_STATUSES = [
  'CREATED',
  'PROCESSING',
  'UNKNOWN',
  'AWAITING_RETRY',
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const ATTEMPT_STATUSES = [
  'PROCESSING',
  'UNKNOWN',
  'SUCCEEDED',
  'FAILED',
  'CLOSED',
  'REVERSED',
] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export const CLOSE_REASONS = ['EXPIRED', 'MERCHANT_CLOSED', 'OPERATOR_CANCELLED'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export const TRANSACTION_TYPES = ['PURCHASE', 'AUTH', 'PAYOUT'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const SOURCES = ['ONLINE', 'APP', 'POS'] as const;
export type Source = (typeof SOURCES)[number];

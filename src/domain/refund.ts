/**
 * Refunds, pure: statuses and their transition table, the refundable-amount rule, identifiers and the
 * confirmation backoff. No I/O: the repository, the workflow and the API all decide with these.
 */
import type { PaymentStatus } from './payment-status';

/** Statuses exactly as the public contract (section 5) spells them. */
export const REFUND_STATUSES = ['PROCESSING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** The refund object of the public contract (section 5), exactly. */
export interface RefundView {
  id: string;
  paymentId: string;
  outRefundNo: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  code: string | null;
  createdAt: string;
  succeededAt: string | null;
}

/**
 * Why money goes back. MERCHANT refunds come out of the payment's captured amount (and are reserved
 * against it); LATE_PAYMENT and DUPLICATE_PAYMENT return money the payment never kept (a success after it
 * closed, a second successful attempt), so they reserve nothing.
 */
export const REFUND_KINDS = ['MERCHANT', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT'] as const;
export type RefundKind = (typeof REFUND_KINDS)[number];
export type AutomaticRefundKind = Exclude<RefundKind, 'MERCHANT'>;

/**
 * Every legal status change of a refund. A refund is born PROCESSING (recorded and reserved before the
 * channel is called). SUCCEEDED is final for ever: the money went back. FAILED is where the workflow
 * leaves a refund the channel refused for good; only an operator's retry moves it back to PROCESSING
 * (with the same channel refund number, re-reserving the amount).
 */
export const REFUND_TRANSITIONS: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = Object.freeze({
  PROCESSING: Object.freeze(['SUCCEEDED', 'FAILED'] as const),
  SUCCEEDED: Object.freeze([] as const),
  FAILED: Object.freeze(['PROCESSING'] as const),
});

/** Staying put is not a transition. */
export function canTransitionRefund(from: RefundStatus, to: RefundStatus): boolean {
  return Object.hasOwn(REFUND_TRANSITIONS, from) && REFUND_TRANSITIONS[from].includes(to);
}

export class IllegalRefundTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`Illegal refund transition ${from} -> ${to}`);
    this.name = 'IllegalRefundTransitionError';
  }
}

export function assertRefundTransition(from: RefundStatus, to: RefundStatus): void {
  if (!canTransitionRefund(from, to)) throw new IllegalRefundTransitionError(from, to);
}

/** Settled: the channel gave its final word (a run of the refund workflow ends here). */
export function isSettledRefund(s: RefundStatus): boolean {
  return s === 'SUCCEEDED' || s === 'FAILED';
}

/** What a payment's merchant refunds may still take: its amount less what is held by PROCESSING + SUCCEEDED ones. */
export function availableToRefund(p: { amount: number; refundReserved: number }): number {
  return Math.max(0, p.amount - p.refundReserved);
}

export type RefundRefusal = 'PAYMENT_NOT_SUCCEEDED' | 'REFUND_EXCEEDS_AVAILABLE';

/**
 * The refundable-amount rule: only a SUCCEEDED payment is refunded, and all its merchant refunds that are
 * PROCESSING or SUCCEEDED together never exceed its amount. Null when `amount` may be reserved now.
 */
export function refundRefusal(
  p: { status: PaymentStatus; amount: number; refundReserved: number },
  amount: number,
): RefundRefusal | null {
  if (p.status !== 'SUCCEEDED') return 'PAYMENT_NOT_SUCCEEDED';
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > availableToRefund(p))
    return 'REFUND_EXCEEDS_AVAILABLE';
  return null;
}

/** A replay of a refund request is the same refund when it asks for the same amount (the reason may differ). */
export function sameRefundRequest(existing: { amount: number }, request: { amount: number }): boolean {
  return existing.amount === request.amount;
}

const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;
export const REFUND_ID = /^ref_[0-9a-f]{32}$/;

/** 'ref_' + the uuid's 32 hex digits: also the refund's channel request number (`out_request_no`). */
export function refundIdFromUuid(uuid: string): string {
  if (!UUID.test(uuid)) throw new RangeError(`Not a UUID: ${JSON.stringify(uuid)}`);
  return `ref_${uuid.replace(/-/g, '').toLowerCase()}`;
}

/**
 * outRefundNo prefix of automatic refunds (`auto-<attemptNo>`). Merchants may not use it: their refund's
 * workflow id `refund-<paymentId>-<outRefundNo>` would otherwise collide with an automatic one.
 */
export const AUTO_REFUND_PREFIX = 'auto-';

export function isReservedOutRefundNo(outRefundNo: string): boolean {
  return outRefundNo.startsWith(AUTO_REFUND_PREFIX);
}

export function autoOutRefundNo(attemptNo: number): string {
  if (!Number.isSafeInteger(attemptNo) || attemptNo < 1)
    throw new RangeError(`Invalid attemptNo: ${attemptNo}`);
  return `${AUTO_REFUND_PREFIX}${attemptNo}`;
}

const PAYMENT_ID = /^[A-Za-z0-9_]+$/;

/** One workflow per refund: `refund-<paymentId>-<outRefundNo>` (payment ids hold no '-', so it parses one way). */
export function refundWorkflowId(paymentId: string, outRefundNo: string): string {
  if (!PAYMENT_ID.test(paymentId)) throw new RangeError(`Invalid paymentId: ${JSON.stringify(paymentId)}`);
  if (outRefundNo === '') throw new RangeError('outRefundNo must be non-empty');
  return `refund-${paymentId}-${outRefundNo}`;
}

/** The automatic refund of attempt `attemptNo`'s money: `refund-<paymentId>-auto-<attemptNo>`. */
export function autoRefundWorkflowId(paymentId: string, attemptNo: number): string {
  return refundWorkflowId(paymentId, autoOutRefundNo(attemptNo));
}

/** Delay before the channel is asked again: `initialMs` doubling per step, capped at `maxMs`. */
export function refundRetryDelayMs(step: number, o: { initialMs: number; maxMs: number }): number {
  const n = Math.max(0, Math.floor(step));
  // 2^31 already exceeds any sane cap; stop doubling before the number gets silly.
  const factor = 2 ** Math.min(n, 31);
  return Math.max(0, Math.min(o.maxMs, o.initialMs * factor));
}

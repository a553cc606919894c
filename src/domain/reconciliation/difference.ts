/**
 * Reconciliation's vocabulary (contract section 8): what a bill row and the record can disagree about, and
 * how a finding is resolved. Pure data; the rules are in classify.ts and repair-plan.ts.
 */

export const DIFFERENCE_TYPES = [
  'LOCAL_ONLY',
  'CHANNEL_ONLY',
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'DUPLICATE_PAYMENT',
] as const;
export type DifferenceType = (typeof DIFFERENCE_TYPES)[number];

export const RESOLUTIONS = ['AUTO_FIXED', 'AUTO_REFUNDED', 'OPEN'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** A channel bill row as staged (amounts positive minor units). */
export interface BillSide {
  kind: 'PAYMENT' | 'REFUND';
  channelTradeNo: string;
  outTradeNo: string;
  outRefundNo: string | null;
  amount: number;
}

/** The attempt a bill payment row names (by channel out trade no), as recorded. */
export interface LocalAttempt {
  paymentId: string;
  attemptNo: number;
  paymentStatus: string;
  attemptStatus: string;
  /** The payment's amount: what the channel must have taken for this attempt. */
  amount: number;
  /** Late or duplicate money already recorded for this attempt (refunded by the late-money path). */
  lateRecorded: boolean;
}

/** The refund a bill refund row names (by its request number), as recorded. */
export interface LocalRefund {
  refundId: string;
  paymentId: string;
  status: 'PROCESSING' | 'SUCCEEDED' | 'FAILED';
  amount: number;
}

/**
 * One pair the SQL could not call matched on its own. A bill row with what the record holds for its key
 * (null: nothing), or a record success/refund of the day that the bill lacks (`at`: when its money moved).
 */
export type Candidate =
  | { side: 'CHANNEL_PAYMENT'; bill: BillSide; local: LocalAttempt | null }
  | { side: 'CHANNEL_REFUND'; bill: BillSide; local: LocalRefund | null; ourOrphanRefund: boolean }
  | { side: 'LOCAL_PAYMENT'; local: LocalAttempt; channelOutTradeNo: string; at: Date }
  | { side: 'LOCAL_REFUND'; local: LocalRefund; outRequestNo: string; at: Date };

/** What a repair does; NONE leaves the difference OPEN for an operator. */
export type RepairAction = 'DELIVER_NOTICE' | 'REFUND_ORPHAN' | 'NONE';

export type OrphanPolicy = 'OPEN' | 'REFUND';

export function parseOrphanPolicy(raw: string | undefined): OrphanPolicy {
  if (raw === undefined || raw.trim() === '') return 'OPEN';
  const v = raw.trim().toUpperCase();
  if (v === 'OPEN' || v === 'REFUND') return v;
  throw new RangeError(`RECON_ORPHAN_POLICY must be OPEN or REFUND, got ${JSON.stringify(raw)}`);
}

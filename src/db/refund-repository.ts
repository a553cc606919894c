import type { Pool } from 'pg';
import { availableToRefund, type RefundView } from '../domain/refund';
import type { RefundRecord } from '../domain/refund-record';
import { recordAutomaticRefund, reserveMerchantRefund } from './refunds/refund-requests';
import type { NewAutomaticRefund, NewMerchantRefund } from './refunds/refund-requests';
import { loadRefundBy, SELECT_REFUND, toRefundRecord, type RefundRow } from './refunds/refund-rows';
import { completeRefund, reopenFailedRefund, type RefundCompletion } from './refunds/refund-status-changes';

export type { RefundRecord, RefundView };
export type { NewAutomaticRefund, NewMerchantRefund } from './refunds/refund-requests';
export type { RefundCompletion } from './refunds/refund-status-changes';
export type { RefundEventType } from './refunds/refund-writes';
export { toRefundRecord } from './refunds/refund-rows';

/**
 * The refunds record. Lock order, everywhere: the payment row first (SELECT … FOR UPDATE), then the refund
 * row, so reservations, completions and operator retries of one payment serialise and never deadlock.
 * The writes live in `./refunds/` (one file per kind of change); this class is their one entry.
 */
export class RefundRepository {
  constructor(private readonly pool: Pool) {}

  /** See reserveMerchantRefund: reserves under the payment's row lock, replays answer created=false. */
  reserveMerchantRefund(req: NewMerchantRefund): Promise<{ refund: RefundRecord; created: boolean }> {
    return reserveMerchantRefund(this.pool, req);
  }

  /** See recordAutomaticRefund: once per payment and attempt, outRefundNo `auto-<attemptNo>`. */
  recordAutomaticRefund(req: NewAutomaticRefund): Promise<{ refund: RefundRecord; created: boolean }> {
    return recordAutomaticRefund(this.pool, req);
  }

  /** See completeRefund: PROCESSING → SUCCEEDED/FAILED with its money effect and merchant event. */
  completeRefund(ch: RefundCompletion): Promise<RefundRecord> {
    return completeRefund(this.pool, ch);
  }

  /** See reopenFailedRefund: an operator's retry of a FAILED refund. */
  reopenFailedRefund(
    refundId: string,
    opts: { reason?: string; at?: string } = {},
  ): Promise<{ refund: RefundRecord; reopened: boolean }> {
    return reopenFailedRefund(this.pool, refundId, opts);
  }

  /** What merchant refunds may still take from the payment (its amount less what is reserved). */
  async refundableAmount(paymentId: string): Promise<number> {
    const res = await this.pool.query<{ amount: number; refund_reserved: number }>(
      'SELECT amount, refund_reserved FROM payments WHERE id = $1',
      [paymentId],
    );
    const row = res.rows[0];
    return row ? availableToRefund({ amount: row.amount, refundReserved: row.refund_reserved }) : 0;
  }

  /** What merchant refunds have returned of the payment so far (its refundedAmount). */
  async refundedAmount(paymentId: string): Promise<number> {
    const res = await this.pool.query<{ refunded_amount: number }>(
      'SELECT refunded_amount FROM payments WHERE id = $1',
      [paymentId],
    );
    return res.rows[0]?.refunded_amount ?? 0;
  }

  async findById(id: string, merchantId?: string): Promise<RefundRecord | null> {
    return merchantId
      ? loadRefundBy(this.pool, 'r.id = $1 AND p.merchant_id = $2', [id, merchantId])
      : loadRefundBy(this.pool, 'r.id = $1', [id]);
  }

  /** The payment's refunds, oldest first; null when the payment does not exist (for this merchant). */
  async listForPayment(paymentId: string, merchantId?: string): Promise<RefundRecord[] | null> {
    const p = await this.pool.query(
      merchantId
        ? 'SELECT 1 FROM payments WHERE id = $1 AND merchant_id = $2'
        : 'SELECT 1 FROM payments WHERE id = $1',
      merchantId ? [paymentId, merchantId] : [paymentId],
    );
    if (p.rowCount !== 1) return null;
    const r = await this.pool.query<RefundRow>(
      `${SELECT_REFUND} WHERE r.payment_id = $1 ORDER BY r.created_at, r.id`,
      [paymentId],
    );
    return r.rows.map(toRefundRecord);
  }

  /** Status history, oldest first (operators, tests). */
  async historyOf(
    refundId: string,
  ): Promise<Array<{ from: string | null; to: string; reason: string | null; code: string | null }>> {
    const r = await this.pool.query<{
      from_status: string | null;
      to_status: string;
      reason: string | null;
      code: string | null;
    }>(
      'SELECT from_status, to_status, reason, code FROM refund_status_history WHERE refund_id = $1 ORDER BY id',
      [refundId],
    );
    return r.rows.map((h) => ({ from: h.from_status, to: h.to_status, reason: h.reason, code: h.code }));
  }
}

import type { Pool } from 'pg';
import { DomainError } from '../../domain/domain-errors';
import { assertRefundTransition, refundRefusal, type RefundKind } from '../../domain/refund';
import type { RefundRecord } from '../../domain/refund-record';
import { StaleStatusError } from '../../domain/status-change';
import { withTransaction } from '../transaction';
import { loadRefundBy, lockPayment, paymentIdOf, reloadRefund } from './refund-rows';
import { addRefundReserved, emitRefundEvent, markLatePayment, writeRefundHistory } from './refund-writes';

/** A refund's final word from the channel, written with compare-and-set from PROCESSING. */
export interface RefundCompletion {
  refundId: string;
  to: 'SUCCEEDED' | 'FAILED';
  code?: string | null;
  message?: string | null;
  reason: string;
  at: string;
}

/**
 * PROCESSING → SUCCEEDED or FAILED, compare-and-set, in one transaction with its money effect: a merchant
 * refund SUCCEEDED adds to refunded_amount, FAILED releases its reservation. Re-applying the same
 * completion is a no-op; any other status found is a StaleStatusError.
 */
export function completeRefund(pool: Pool, ch: RefundCompletion): Promise<RefundRecord> {
  return withTransaction(pool, async (c) => {
    const paymentId = await paymentIdOf(c, ch.refundId);
    await lockPayment(c, paymentId);
    assertRefundTransition('PROCESSING', ch.to);
    const res = await c.query<{ kind: RefundKind; amount: number; payment_id: string; attempt_no: number }>(
      `UPDATE refunds SET status = $2, updated_at = $3, code = $4, message = $5,
         succeeded_at = CASE WHEN $2 = 'SUCCEEDED' THEN $3::timestamptz ELSE NULL END
       WHERE id = $1 AND status = 'PROCESSING'
       RETURNING kind, amount, payment_id, attempt_no`,
      [ch.refundId, ch.to, ch.at, ch.code ?? null, ch.message ?? null],
    );
    const moved = res.rows[0];
    if (!moved) {
      const current = await loadRefundBy(c, 'r.id = $1', [ch.refundId]);
      if (current?.view.status === ch.to) return current;
      throw new StaleStatusError(`refund ${ch.refundId}`, 'PROCESSING', current?.view.status ?? null);
    }
    if (moved.kind !== 'MERCHANT') {
      await markLatePayment(c, moved.payment_id, moved.attempt_no, ch.to);
    } else if (ch.to === 'SUCCEEDED') {
      await c.query(
        'UPDATE payments SET refunded_amount = refunded_amount + $2, updated_at = $3 WHERE id = $1',
        [moved.payment_id, moved.amount, ch.at],
      );
    } else {
      await addRefundReserved(c, moved.payment_id, -moved.amount);
    }
    await writeRefundHistory(c, { ...ch, refundId: ch.refundId, from: 'PROCESSING' });
    const refund = await reloadRefund(c, ch.refundId);
    await emitRefundEvent(c, refund, ch.to === 'SUCCEEDED' ? 'refund.succeeded' : 'refund.failed', ch.at);
    return refund;
  });
}

/**
 * Operator retry: FAILED → PROCESSING, re-reserving a merchant refund's amount under the payment's row
 * lock (REFUND_EXCEEDS_AVAILABLE when it no longer fits). The refund keeps its channel refund number.
 * A refund that is not FAILED is answered as it is with reopened=false (a retry that lost a race, or
 * one already running); NOT_FOUND for an unknown id.
 */
export function reopenFailedRefund(
  pool: Pool,
  refundId: string,
  opts: { reason?: string; at?: string } = {},
): Promise<{ refund: RefundRecord; reopened: boolean }> {
  const at = opts.at ?? new Date().toISOString();
  return withTransaction(pool, async (c) => {
    const paymentId = await paymentIdOf(c, refundId);
    const payment = await lockPayment(c, paymentId);
    const refund = await loadRefundBy(c, 'r.id = $1', [refundId]);
    if (!payment || !refund) throw new DomainError('NOT_FOUND', `refund ${refundId} not found`);
    if (refund.view.status !== 'FAILED') return { refund, reopened: false };
    assertRefundTransition('FAILED', 'PROCESSING');
    if (refund.kind === 'MERCHANT') {
      const refusal = refundRefusal(
        { status: payment.status, amount: payment.amount, refundReserved: payment.refund_reserved },
        refund.view.amount,
      );
      if (refusal) {
        throw new DomainError(
          refusal,
          refusal === 'PAYMENT_NOT_SUCCEEDED'
            ? `payment is ${payment.status}`
            : `refund of ${refund.view.amount} no longer fits: ${payment.amount - payment.refund_reserved} still refundable`,
        );
      }
      await addRefundReserved(c, paymentId, refund.view.amount);
    } else {
      await markLatePayment(c, paymentId, refund.attemptNo, 'PROCESSING');
    }
    const res = await c.query(
      `UPDATE refunds SET status = 'PROCESSING', code = NULL, message = NULL, updated_at = $2
        WHERE id = $1 AND status = 'FAILED'`,
      [refundId, at],
    );
    if (res.rowCount !== 1) throw new StaleStatusError(`refund ${refundId}`, 'FAILED', null);
    await writeRefundHistory(c, {
      refundId,
      from: 'FAILED',
      to: 'PROCESSING',
      reason: opts.reason ?? `operator retry after ${refund.view.code ?? 'failure'}`,
      at,
    });
    return { refund: await reloadRefund(c, refundId), reopened: true };
  });
}

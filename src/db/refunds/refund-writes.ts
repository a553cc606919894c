import type { PoolClient } from 'pg';
import { refundWorkflowId, type RefundKind, type RefundStatus } from '../../domain/refund';
import type { RefundRecord } from '../../domain/refund-record';
import { insertOutboxEvent } from '../outbox';

/** The merchant event a refund's final status causes (the notifications outbox). */
export type RefundEventType = 'refund.succeeded' | 'refund.failed';

export interface RefundInsert {
  id: string;
  paymentId: string;
  attemptNo: number;
  kind: RefundKind;
  outRefundNo: string;
  amount: number;
  currency: string;
  reason: string | null;
  channel: string;
  channelOutTradeNo: string;
  at: string;
}

/** A new refund, PROCESSING, with its first history row; its channel request number is its id. */
export async function insertRefund(c: PoolClient, r: RefundInsert): Promise<void> {
  await c.query(
    `INSERT INTO refunds (id, payment_id, attempt_no, kind, out_refund_no, amount, currency, reason, status,
       channel, channel_out_trade_no, out_request_no, workflow_id, created_at, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'PROCESSING',$9,$10,$1,$11,$12,$12)`,
    [
      r.id,
      r.paymentId,
      r.attemptNo,
      r.kind,
      r.outRefundNo,
      r.amount,
      r.currency,
      r.reason,
      r.channel,
      r.channelOutTradeNo,
      refundWorkflowId(r.paymentId, r.outRefundNo),
      r.at,
    ],
  );
  await writeRefundHistory(c, {
    refundId: r.id,
    from: null,
    to: 'PROCESSING',
    reason: r.kind === 'MERCHANT' ? 'requested' : `automatic: ${r.kind}`,
    at: r.at,
  });
}

export async function writeRefundHistory(
  c: PoolClient,
  h: {
    refundId: string;
    from: RefundStatus | null;
    to: RefundStatus;
    reason: string;
    at: string;
    code?: string | null;
    message?: string | null;
  },
): Promise<void> {
  await c.query(
    `INSERT INTO refund_status_history (refund_id, from_status, to_status, reason, code, message, at)
     VALUES ($1,$2,$3,$4,$5,$6,$7)`,
    [h.refundId, h.from, h.to, h.reason, h.code ?? null, h.message ?? null, h.at],
  );
}

/** late_payments.refund_status follows the automatic refund of that attempt (if the row is there). */
export async function markLatePayment(
  c: PoolClient,
  paymentId: string,
  attemptNo: number,
  status: RefundStatus,
): Promise<void> {
  await c.query('UPDATE late_payments SET refund_status = $3 WHERE payment_id = $1 AND attempt_no = $2', [
    paymentId,
    attemptNo,
    status,
  ]);
}

/** A merchant refund's reservation grows (reserved, reopened) or shrinks (failed). */
export async function addRefundReserved(c: PoolClient, paymentId: string, delta: number): Promise<void> {
  await c.query('UPDATE payments SET refund_reserved = refund_reserved + $2 WHERE id = $1', [
    paymentId,
    delta,
  ]);
}

/**
 * THE single call site of the merchant-notifications outbox for refunds: runs inside the transaction that
 * writes the refund's final status, so the event exists exactly when the status does.
 */
export async function emitRefundEvent(
  c: PoolClient,
  refund: RefundRecord,
  type: RefundEventType,
  at: string,
): Promise<void> {
  await insertOutboxEvent(c, {
    merchantId: refund.merchantId,
    paymentId: refund.view.paymentId,
    refundId: refund.view.id,
    type,
    data: refund.view,
    at: new Date(at),
  });
}

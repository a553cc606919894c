import type { Pool, PoolClient } from 'pg';
import { DomainError } from '../../domain/domain-errors';
import type { PaymentStatus } from '../../domain/payment-status';
import type { RefundKind, RefundStatus } from '../../domain/refund';
import type { RefundRecord } from '../../domain/refund-record';

/** A refunds row joined with its payment's merchant and order number. */
export interface RefundRow {
  id: string;
  payment_id: string;
  attempt_no: number;
  kind: RefundKind;
  out_refund_no: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  code: string | null;
  message: string | null;
  channel: string;
  channel_out_trade_no: string;
  out_request_no: string;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
  succeeded_at: Date | null;
  merchant_id: string;
  payment_out_trade_no: string;
}

/** The payment row a refund change locks first (lock order: payment, then refund). */
export interface LockedPayment {
  id: string;
  merchant_id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  refund_reserved: number;
}

export const SELECT_REFUND = `SELECT r.*, p.merchant_id, p.out_trade_no AS payment_out_trade_no
  FROM refunds r JOIN payments p ON p.id = r.payment_id`;

export function toRefundRecord(r: RefundRow): RefundRecord {
  return {
    view: {
      id: r.id,
      paymentId: r.payment_id,
      outRefundNo: r.out_refund_no,
      amount: r.amount,
      currency: r.currency,
      reason: r.reason,
      status: r.status,
      code: r.code,
      createdAt: r.created_at.toISOString(),
      succeededAt: r.succeeded_at ? r.succeeded_at.toISOString() : null,
    },
    kind: r.kind,
    merchantId: r.merchant_id,
    paymentOutTradeNo: r.payment_out_trade_no,
    attemptNo: r.attempt_no,
    message: r.message,
    channel: r.channel,
    channelOutTradeNo: r.channel_out_trade_no,
    outRequestNo: r.out_request_no,
    workflowId: r.workflow_id,
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function loadRefundBy(
  c: Pool | PoolClient,
  where: string,
  params: unknown[],
): Promise<RefundRecord | null> {
  const r = await c.query<RefundRow>(`${SELECT_REFUND} WHERE ${where}`, params);
  const row = r.rows[0];
  return row ? toRefundRecord(row) : null;
}

/** loadRefundBy for a row this transaction has just written: its absence is a bug, not a 404. */
export async function reloadRefund(c: PoolClient, refundId: string): Promise<RefundRecord> {
  const refund = await loadRefundBy(c, 'r.id = $1', [refundId]);
  if (!refund) throw new Error(`refund ${refundId} vanished inside its own transaction`);
  return refund;
}

export async function lockPayment(
  c: PoolClient,
  paymentId: string,
  merchantId?: string,
): Promise<LockedPayment | null> {
  const res = await c.query<LockedPayment>(
    `SELECT id, merchant_id, status, amount, currency, refund_reserved FROM payments
      WHERE id = $1 ${merchantId ? 'AND merchant_id = $2' : ''} FOR UPDATE`,
    merchantId ? [paymentId, merchantId] : [paymentId],
  );
  return res.rows[0] ?? null;
}

export async function paymentIdOf(c: PoolClient, refundId: string): Promise<string> {
  const r = await c.query<{ payment_id: string }>('SELECT payment_id FROM refunds WHERE id = $1', [refundId]);
  const paymentId = r.rows[0]?.payment_id;
  if (!paymentId) throw new DomainError('NOT_FOUND', `refund ${refundId} not found`);
  return paymentId;
}

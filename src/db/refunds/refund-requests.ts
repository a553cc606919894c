import type { Pool } from 'pg';
import { DomainError } from '../../domain/domain-errors';
import {
  autoOutRefundNo,
  refundRefusal,
  sameRefundRequest,
  type AutomaticRefundKind,
} from '../../domain/refund';
import type { RefundRecord } from '../../domain/refund-record';
import { withTransaction } from '../transaction';
import { loadRefundBy, lockPayment, reloadRefund } from './refund-rows';
import { addRefundReserved, insertRefund, markLatePayment } from './refund-writes';

export interface NewMerchantRefund {
  merchantId: string;
  paymentId: string;
  outRefundNo: string;
  amount: number;
  reason: string | null;
  /** Used only when this call creates the refund. */
  refundId: string;
  at: string;
}

export interface NewAutomaticRefund {
  paymentId: string;
  attemptNo: number;
  kind: AutomaticRefundKind;
  amount: number;
  currency: string;
  channel: string;
  channelOutTradeNo: string;
  refundId: string;
  at: string;
}

/**
 * Records a merchant refund and reserves its amount, in one transaction under the payment's row lock:
 * any number of concurrent requests for one payment can never reserve more than its amount.
 * A replay (same outRefundNo, same amount) answers the existing refund with created=false.
 * Throws DomainError NOT_FOUND (no such payment for this merchant), IDEMPOTENCY_MISMATCH,
 * PAYMENT_NOT_SUCCEEDED or REFUND_EXCEEDS_AVAILABLE.
 */
export function reserveMerchantRefund(
  pool: Pool,
  req: NewMerchantRefund,
): Promise<{ refund: RefundRecord; created: boolean }> {
  return withTransaction(pool, async (c) => {
    const payment = await lockPayment(c, req.paymentId, req.merchantId);
    if (!payment) throw new DomainError('NOT_FOUND', `payment ${req.paymentId} not found`);

    const existing = await loadRefundBy(c, 'r.payment_id = $1 AND r.out_refund_no = $2', [
      req.paymentId,
      req.outRefundNo,
    ]);
    if (existing) {
      if (existing.kind !== 'MERCHANT' || !sameRefundRequest(existing.view, req)) {
        throw new DomainError(
          'IDEMPOTENCY_MISMATCH',
          'this outRefundNo was already used for this payment with a different amount',
        );
      }
      return { refund: existing, created: false };
    }

    const refusal = refundRefusal(
      { status: payment.status, amount: payment.amount, refundReserved: payment.refund_reserved },
      req.amount,
    );
    if (refusal === 'PAYMENT_NOT_SUCCEEDED') {
      throw new DomainError(refusal, `payment is ${payment.status}: only a SUCCEEDED payment is refunded`);
    }
    if (refusal === 'REFUND_EXCEEDS_AVAILABLE') {
      throw new DomainError(
        refusal,
        `refund of ${req.amount} exceeds the ${payment.amount - payment.refund_reserved} still refundable`,
      );
    }
    const attempt = await c.query<{ attempt_no: number; channel: string; channel_out_trade_no: string }>(
      `SELECT attempt_no, channel, channel_out_trade_no FROM payment_attempts
        WHERE payment_id = $1 AND status = 'SUCCEEDED' ORDER BY attempt_no LIMIT 1`,
      [req.paymentId],
    );
    const paid = attempt.rows[0];
    if (!paid) {
      // A SUCCEEDED payment with an amount always has its succeeded attempt; without one nothing was collected.
      throw new DomainError(
        'REFUND_EXCEEDS_AVAILABLE',
        'nothing was collected at a channel for this payment',
      );
    }
    await insertRefund(c, {
      id: req.refundId,
      paymentId: req.paymentId,
      attemptNo: paid.attempt_no,
      kind: 'MERCHANT',
      outRefundNo: req.outRefundNo,
      amount: req.amount,
      currency: payment.currency,
      reason: req.reason,
      channel: paid.channel,
      channelOutTradeNo: paid.channel_out_trade_no,
      at: req.at,
    });
    await addRefundReserved(c, req.paymentId, req.amount);
    return { refund: await reloadRefund(c, req.refundId), created: true };
  });
}

/**
 * Records (once per payment and attempt) the automatic refund of money the payment must not keep.
 * outRefundNo `auto-<attemptNo>`; reserves nothing (the money is outside the captured amount).
 */
export function recordAutomaticRefund(
  pool: Pool,
  req: NewAutomaticRefund,
): Promise<{ refund: RefundRecord; created: boolean }> {
  const outRefundNo = autoOutRefundNo(req.attemptNo);
  return withTransaction(pool, async (c) => {
    const payment = await lockPayment(c, req.paymentId);
    if (!payment) throw new DomainError('NOT_FOUND', `payment ${req.paymentId} not found`);
    const existing = await loadRefundBy(c, 'r.payment_id = $1 AND r.out_refund_no = $2', [
      req.paymentId,
      outRefundNo,
    ]);
    if (existing) return { refund: existing, created: false };
    await insertRefund(c, {
      id: req.refundId,
      paymentId: req.paymentId,
      attemptNo: req.attemptNo,
      kind: req.kind,
      outRefundNo,
      amount: req.amount,
      currency: req.currency,
      reason: req.kind,
      channel: req.channel,
      channelOutTradeNo: req.channelOutTradeNo,
      at: req.at,
    });
    await markLatePayment(c, req.paymentId, req.attemptNo, 'PROCESSING');
    return { refund: await reloadRefund(c, req.refundId), created: true };
  });
}

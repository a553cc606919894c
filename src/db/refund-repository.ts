import type { Pool, PoolClient } from 'pg';
import { DomainError } from '../domain/domain-errors';
import type { PaymentStatus } from '../domain/payment-status';
import {
  assertRefundTransition,
  availableToRefund,
  autoOutRefundNo,
  refundRefusal,
  refundWorkflowId,
  sameRefundRequest,
  type AutomaticRefundKind,
  type RefundKind,
  type RefundStatus,
  type RefundView,
} from '../domain/refund';
import { insertOutboxEvent } from './outbox';
import { StaleStatusError } from '../domain/status-change';
import { withTransaction } from './transaction';
import type { RefundRecord } from '../domain/refund-record';

export type { RefundRecord };

export type { RefundView };

/** Everything the refund workflow and operators need besides the contract's view. */

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

/** A refund's final word from the channel, written with compare-and-set from PROCESSING. */
export interface RefundCompletion {
  refundId: string;
  to: 'SUCCEEDED' | 'FAILED';
  code?: string | null;
  message?: string | null;
  reason: string;
  at: string;
}

interface RefundRow {
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

interface LockedPayment {
  id: string;
  merchant_id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  refund_reserved: number;
}

/** The merchant event a refund's final status causes (the notifications outbox). */
export type RefundEventType = 'refund.succeeded' | 'refund.failed';

const SELECT_REFUND = `SELECT r.*, p.merchant_id, p.out_trade_no AS payment_out_trade_no
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

/**
 * The refunds record. Lock order, everywhere: the payment row first (SELECT … FOR UPDATE), then the refund
 * row, so reservations, completions and operator retries of one payment serialise and never deadlock.
 */
export class RefundRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Records a merchant refund and reserves its amount, in one transaction under the payment's row lock:
   * any number of concurrent requests for one payment can never reserve more than its amount.
   * A replay (same outRefundNo, same amount) answers the existing refund with created=false.
   * Throws DomainError NOT_FOUND (no such payment for this merchant), IDEMPOTENCY_MISMATCH,
   * PAYMENT_NOT_SUCCEEDED or REFUND_EXCEEDS_AVAILABLE.
   */
  async reserveMerchantRefund(req: NewMerchantRefund): Promise<{ refund: RefundRecord; created: boolean }> {
    return withTransaction(this.pool, async (c) => {
      const payment = await this.lockPayment(c, req.paymentId, req.merchantId);
      if (!payment) throw new DomainError('NOT_FOUND', `payment ${req.paymentId} not found`);

      const existing = await this.loadBy(c, 'r.payment_id = $1 AND r.out_refund_no = $2', [
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
      await this.insert(c, {
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
      await c.query('UPDATE payments SET refund_reserved = refund_reserved + $2 WHERE id = $1', [
        req.paymentId,
        req.amount,
      ]);
      const refund = await this.loadBy(c, 'r.id = $1', [req.refundId]);
      if (!refund) throw new Error(`refund ${req.refundId} vanished after insert`);
      return { refund, created: true };
    });
  }

  /**
   * Records (once per payment and attempt) the automatic refund of money the payment must not keep.
   * outRefundNo `auto-<attemptNo>`; reserves nothing (the money is outside the captured amount).
   */
  async recordAutomaticRefund(req: NewAutomaticRefund): Promise<{ refund: RefundRecord; created: boolean }> {
    const outRefundNo = autoOutRefundNo(req.attemptNo);
    return withTransaction(this.pool, async (c) => {
      const payment = await this.lockPayment(c, req.paymentId);
      if (!payment) throw new DomainError('NOT_FOUND', `payment ${req.paymentId} not found`);
      const existing = await this.loadBy(c, 'r.payment_id = $1 AND r.out_refund_no = $2', [
        req.paymentId,
        outRefundNo,
      ]);
      if (existing) return { refund: existing, created: false };
      await this.insert(c, {
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
      await this.markLatePayment(c, req.paymentId, req.attemptNo, 'PROCESSING');
      const refund = await this.loadBy(c, 'r.id = $1', [req.refundId]);
      if (!refund) throw new Error(`refund ${req.refundId} vanished after insert`);
      return { refund, created: true };
    });
  }

  /**
   * PROCESSING → SUCCEEDED or FAILED, compare-and-set, in one transaction with its money effect: a merchant
   * refund SUCCEEDED adds to refunded_amount, FAILED releases its reservation. Re-applying the same
   * completion is a no-op; any other status found is a StaleStatusError.
   */
  async completeRefund(ch: RefundCompletion): Promise<RefundRecord> {
    return withTransaction(this.pool, async (c) => {
      const paymentId = await this.paymentIdOf(c, ch.refundId);
      await this.lockPayment(c, paymentId);
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
        const current = await this.loadBy(c, 'r.id = $1', [ch.refundId]);
        if (current?.view.status === ch.to) return current;
        throw new StaleStatusError(`refund ${ch.refundId}`, 'PROCESSING', current?.view.status ?? null);
      }
      if (moved.kind === 'MERCHANT') {
        if (ch.to === 'SUCCEEDED') {
          await c.query(
            'UPDATE payments SET refunded_amount = refunded_amount + $2, updated_at = $3 WHERE id = $1',
            [moved.payment_id, moved.amount, ch.at],
          );
        } else {
          await c.query('UPDATE payments SET refund_reserved = refund_reserved - $2 WHERE id = $1', [
            moved.payment_id,
            moved.amount,
          ]);
        }
      } else {
        await this.markLatePayment(c, moved.payment_id, moved.attempt_no, ch.to);
      }
      await this.history(c, ch.refundId, 'PROCESSING', ch.to, ch.reason, ch.at, ch.code, ch.message);
      const refund = await this.loadBy(c, 'r.id = $1', [ch.refundId]);
      if (!refund) throw new Error(`refund ${ch.refundId} not found`);
      await this.emitRefundEvent(
        c,
        refund,
        ch.to === 'SUCCEEDED' ? 'refund.succeeded' : 'refund.failed',
        ch.at,
      );
      return refund;
    });
  }

  /**
   * Operator retry: FAILED → PROCESSING, re-reserving a merchant refund's amount under the payment's row
   * lock (REFUND_EXCEEDS_AVAILABLE when it no longer fits). The refund keeps its channel refund number.
   * A refund that is not FAILED is answered as it is with reopened=false (a retry that lost a race, or
   * one already running); NOT_FOUND for an unknown id.
   */
  async reopenFailedRefund(
    refundId: string,
    opts: { reason?: string; at?: string } = {},
  ): Promise<{ refund: RefundRecord; reopened: boolean }> {
    const at = opts.at ?? new Date().toISOString();
    return withTransaction(this.pool, async (c) => {
      const paymentId = await this.paymentIdOf(c, refundId);
      const payment = await this.lockPayment(c, paymentId);
      const refund = await this.loadBy(c, 'r.id = $1', [refundId]);
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
        await c.query('UPDATE payments SET refund_reserved = refund_reserved + $2 WHERE id = $1', [
          paymentId,
          refund.view.amount,
        ]);
      } else {
        await this.markLatePayment(c, paymentId, refund.attemptNo, 'PROCESSING');
      }
      const res = await c.query(
        `UPDATE refunds SET status = 'PROCESSING', code = NULL, message = NULL, updated_at = $2
          WHERE id = $1 AND status = 'FAILED'`,
        [refundId, at],
      );
      if (res.rowCount !== 1) throw new StaleStatusError(`refund ${refundId}`, 'FAILED', null);
      await this.history(
        c,
        refundId,
        'FAILED',
        'PROCESSING',
        opts.reason ?? `operator retry after ${refund.view.code ?? 'failure'}`,
        at,
      );
      const reopened = await this.loadBy(c, 'r.id = $1', [refundId]);
      if (!reopened) throw new Error(`refund ${refundId} not found`);
      return { refund: reopened, reopened: true };
    });
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
      ? this.loadBy(this.pool, 'r.id = $1 AND p.merchant_id = $2', [id, merchantId])
      : this.loadBy(this.pool, 'r.id = $1', [id]);
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

  private async insert(
    c: PoolClient,
    r: {
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
    },
  ): Promise<void> {
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
    await this.history(
      c,
      r.id,
      null,
      'PROCESSING',
      r.kind === 'MERCHANT' ? 'requested' : `automatic: ${r.kind}`,
      r.at,
    );
  }

  private async lockPayment(
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

  private async paymentIdOf(c: PoolClient, refundId: string): Promise<string> {
    const r = await c.query<{ payment_id: string }>('SELECT payment_id FROM refunds WHERE id = $1', [
      refundId,
    ]);
    const paymentId = r.rows[0]?.payment_id;
    if (!paymentId) throw new DomainError('NOT_FOUND', `refund ${refundId} not found`);
    return paymentId;
  }

  /** late_payments.refund_status follows the automatic refund of that attempt (if the row is there). */
  private async markLatePayment(
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

  private async history(
    c: PoolClient,
    refundId: string,
    from: RefundStatus | null,
    to: RefundStatus,
    reason: string,
    at: string,
    code?: string | null,
    message?: string | null,
  ): Promise<void> {
    await c.query(
      `INSERT INTO refund_status_history (refund_id, from_status, to_status, reason, code, message, at)
       VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [refundId, from, to, reason, code ?? null, message ?? null, at],
    );
  }

  /**
   * THE single call site of the merchant-notifications outbox for refunds: runs inside the transaction that
   * writes the refund's final status, so the event exists exactly when the status does.
   */
  private async emitRefundEvent(
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

  private async loadBy(c: Pool | PoolClient, where: string, params: unknown[]): Promise<RefundRecord | null> {
    const r = await c.query<RefundRow>(`${SELECT_REFUND} WHERE ${where}`, params);
    const row = r.rows[0];
    return row ? toRefundRecord(row) : null;
  }
}

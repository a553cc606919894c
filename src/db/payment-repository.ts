import type { Pool, PoolClient } from 'pg';
import type { CreatePaymentInput, NextActionView, PaymentView } from '../domain/payment';
import type { AttemptStatus, CloseReason, PaymentStatus } from '../domain/payment-status';
import { insertOutboxEvent, type NotificationType } from './outbox';
import { toPaymentView, type AttemptRow, type PaymentRow } from './payment-rows';
import { withTransaction } from './transaction';

export interface NewPayment extends CreatePaymentInput {
  id: string;
  workflowId: string;
  status: PaymentStatus;
  expiresAt: string;
  at: string;
}

/** A status change of a payment and/or one of its attempts, written with compare-and-set. */
export interface StatusChange {
  paymentId: string;
  at: string;
  reason: string;
  payment?: {
    from: PaymentStatus;
    to: PaymentStatus;
    closeReason?: CloseReason;
    paidAt?: string;
    closedAt?: string;
  };
  /** A new attempt row to insert (status PROCESSING) in the same transaction. */
  newAttempt?: { attemptNo: number; channel: string; channelOutTradeNo: string; method: unknown };
  attempt?: {
    attemptNo: number;
    from: AttemptStatus;
    to: AttemptStatus;
    code?: string | null;
    message?: string | null;
    channelTradeNo?: string | null;
  };
  /** The cashier's next step, shown on the payment while its attempt is open. */
  nextAction?: NextActionView | null;
}

/** The expected status was not there: someone else moved the row, which the one-writer design forbids. */
export class StaleStatusError extends Error {
  constructor(
    readonly entity: string,
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(`${entity}: expected status ${expected}, found ${actual ?? 'nothing'}`);
    this.name = 'StaleStatusError';
  }
}

/** The merchant notification a payment's final status causes. */
const FINAL_EVENT_TYPES: Partial<Record<PaymentStatus, NotificationType>> = {
  SUCCEEDED: 'payment.succeeded',
  FAILED: 'payment.failed',
  CLOSED: 'payment.closed',
};

export class PaymentRepository {
  constructor(private readonly pool: Pool) {}

  /** Inserts the payment unless (merchant, outTradeNo) exists; returns the row that is there either way. */
  async insertPayment(p: NewPayment): Promise<{ payment: PaymentView; inserted: boolean }> {
    return withTransaction(this.pool, async (c) => {
      const res = await c.query(
        `INSERT INTO payments (id, merchant_id, out_trade_no, amount, currency, subject, status, order_deadline,
           order_created_at, expires_at, method, channel, transaction_type, source, notify_url, metadata,
           workflow_id, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18)
         ON CONFLICT (merchant_id, out_trade_no) DO NOTHING`,
        [
          p.id,
          p.merchantId,
          p.outTradeNo,
          p.amount,
          p.currency,
          p.subject,
          p.status,
          p.orderDeadline,
          p.orderCreatedAt ?? null,
          p.expiresAt,
          p.method ? JSON.stringify(p.method) : null,
          p.channel ?? null,
          p.transactionType,
          p.source,
          p.notifyUrl ?? null,
          JSON.stringify(p.metadata),
          p.workflowId,
          p.at,
        ],
      );
      const inserted = res.rowCount === 1;
      if (inserted) {
        await c.query(
          'INSERT INTO payment_status_history (payment_id, from_status, to_status, reason, at) VALUES ($1, NULL, $2, $3, $4)',
          [p.id, p.status, 'created', p.at],
        );
      }
      const payment = await this.loadBy(c, 'merchant_id = $1 AND out_trade_no = $2', [
        p.merchantId,
        p.outTradeNo,
      ]);
      if (!payment) throw new Error(`payment ${p.merchantId}/${p.outTradeNo} vanished after insert`);
      return { payment, inserted };
    });
  }

  /** Applies a status change with compare-and-set; re-applying one that is already in place is a no-op. */
  async applyStatusChange(ch: StatusChange): Promise<PaymentView> {
    return withTransaction(this.pool, async (c) => {
      if (ch.newAttempt) {
        const a = ch.newAttempt;
        const ins = await c.query(
          `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, method, created_at, updated_at)
           VALUES ($1,$2,$3,$4,'PROCESSING',$5,$6,$6) ON CONFLICT DO NOTHING`,
          [
            ch.paymentId,
            a.attemptNo,
            a.channel,
            a.channelOutTradeNo,
            a.method ? JSON.stringify(a.method) : null,
            ch.at,
          ],
        );
        if (ins.rowCount === 1) await this.history(c, ch, a.attemptNo, null, 'PROCESSING');
      }
      if (ch.attempt) await this.casAttempt(c, ch);
      if (ch.payment) await this.casPayment(c, ch);
      if (ch.nextAction !== undefined) {
        await c.query('UPDATE payments SET next_action = $2, updated_at = $3 WHERE id = $1', [
          ch.paymentId,
          ch.nextAction ? JSON.stringify(ch.nextAction) : null,
          ch.at,
        ]);
      }
      const view = await this.loadBy(c, 'id = $1', [ch.paymentId]);
      if (!view) throw new Error(`payment ${ch.paymentId} not found`);
      return view;
    });
  }

  private async casPayment(c: PoolClient, ch: StatusChange): Promise<void> {
    const p = ch.payment!;
    const res = await c.query(
      `UPDATE payments SET status = $3, updated_at = $4,
         close_reason = COALESCE($5, close_reason), paid_at = COALESCE($6, paid_at), closed_at = COALESCE($7, closed_at),
         next_action = CASE WHEN $3 IN ('SUCCEEDED','FAILED','CLOSED') THEN NULL ELSE next_action END
       WHERE id = $1 AND status = $2`,
      [ch.paymentId, p.from, p.to, ch.at, p.closeReason ?? null, p.paidAt ?? null, p.closedAt ?? null],
    );
    if (res.rowCount === 1) {
      await this.history(c, ch, null, p.from, p.to);
      const type = FINAL_EVENT_TYPES[p.to];
      if (type) {
        // Outbox: the merchant's event commits with the status change that causes it, or not at all.
        const view = await this.loadBy(c, 'id = $1', [ch.paymentId]);
        if (!view) throw new Error(`payment ${ch.paymentId} not found`);
        await insertOutboxEvent(c, { merchantId: view.merchantId, paymentId: view.id, type, data: view });
      }
      return;
    }
    const cur = await c.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [
      ch.paymentId,
    ]);
    const actual = cur.rows[0]?.status ?? null;
    if (actual !== p.to) throw new StaleStatusError(`payment ${ch.paymentId}`, p.from, actual);
  }

  private async casAttempt(c: PoolClient, ch: StatusChange): Promise<void> {
    const a = ch.attempt!;
    const res = await c.query(
      `UPDATE payment_attempts SET status = $4, updated_at = $5, code = COALESCE($6, code),
         message = COALESCE($7, message), channel_trade_no = COALESCE($8, channel_trade_no)
       WHERE payment_id = $1 AND attempt_no = $2 AND status = $3`,
      [
        ch.paymentId,
        a.attemptNo,
        a.from,
        a.to,
        ch.at,
        a.code ?? null,
        a.message ?? null,
        a.channelTradeNo ?? null,
      ],
    );
    if (res.rowCount === 1) {
      if (a.from !== a.to) await this.history(c, ch, a.attemptNo, a.from, a.to);
      return;
    }
    const cur = await c.query<{ status: string }>(
      'SELECT status FROM payment_attempts WHERE payment_id = $1 AND attempt_no = $2',
      [ch.paymentId, a.attemptNo],
    );
    const actual = cur.rows[0]?.status ?? null;
    if (actual !== a.to) throw new StaleStatusError(`attempt ${ch.paymentId}#${a.attemptNo}`, a.from, actual);
  }

  private async history(
    c: PoolClient,
    ch: StatusChange,
    attemptNo: number | null,
    from: string | null,
    to: string,
  ): Promise<void> {
    await c.query(
      'INSERT INTO payment_status_history (payment_id, attempt_no, from_status, to_status, reason, at) VALUES ($1,$2,$3,$4,$5,$6)',
      [ch.paymentId, attemptNo, from, to, ch.reason, ch.at],
    );
  }

  async findById(id: string, merchantId?: string): Promise<PaymentView | null> {
    return merchantId
      ? this.loadBy(this.pool, 'id = $1 AND merchant_id = $2', [id, merchantId])
      : this.loadBy(this.pool, 'id = $1', [id]);
  }

  async findByOutTradeNo(merchantId: string, outTradeNo: string): Promise<PaymentView | null> {
    return this.loadBy(this.pool, 'merchant_id = $1 AND out_trade_no = $2', [merchantId, outTradeNo]);
  }

  /** Finds the payment an attempt's channel trade number belongs to (for channel notifications). */
  async findAttemptByChannelOutTradeNo(
    channelOutTradeNo: string,
  ): Promise<{ payment: PaymentRow; attempt: AttemptRow } | null> {
    const a = await this.pool.query<AttemptRow>(
      'SELECT * FROM payment_attempts WHERE channel_out_trade_no = $1',
      [channelOutTradeNo],
    );
    const attempt = a.rows[0];
    if (!attempt) return null;
    const p = await this.pool.query<PaymentRow>('SELECT * FROM payments WHERE id = $1', [attempt.payment_id]);
    const payment = p.rows[0];
    return payment ? { payment, attempt } : null;
  }

  private async loadBy(c: Pool | PoolClient, where: string, params: unknown[]): Promise<PaymentView | null> {
    const p = await c.query<PaymentRow>(`SELECT * FROM payments WHERE ${where}`, params);
    const row = p.rows[0];
    if (!row) return null;
    const a = await c.query<AttemptRow>('SELECT * FROM payment_attempts WHERE payment_id = $1', [row.id]);
    return toPaymentView(row, a.rows);
  }
}

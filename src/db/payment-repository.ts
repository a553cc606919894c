import type { Pool, PoolClient } from 'pg';
import type { CreatePaymentInput, PaymentView } from '../domain/payment';
import type { PaymentStatus } from '../domain/payment-status';
import type { StatusChange } from '../domain/status-change';
import { writeStatusChange } from './payment-status-writes';
import { toPaymentView, type AttemptRow, type PaymentRow } from './payment-rows';
import { withTransaction } from './transaction';

export interface NewPayment extends CreatePaymentInput {
  id: string;
  workflowId: string;
  status: PaymentStatus;
  expiresAt: string;
  at: string;
}

// Domain vocabulary, re-exported for callers that still import it from here (import from src/domain).
export { StaleStatusError, type StatusChange } from '../domain/status-change';

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
      if (res.rowCount === 1) {
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
      // Our own id: inserted by this workflow run, perhaps in a try whose task a crash lost.
      return { payment, inserted: payment.id === p.id };
    });
  }

  /** Applies a status change with compare-and-set (payment-status-writes.ts); re-applying one is a no-op. */
  async applyStatusChange(ch: StatusChange): Promise<PaymentView> {
    return withTransaction(this.pool, async (c) => {
      await writeStatusChange(c, ch, (id) => this.loadBy(c, 'id = $1', [id]));
      const view = await this.loadBy(c, 'id = $1', [ch.paymentId]);
      if (!view) throw new Error(`payment ${ch.paymentId} not found`);
      return view;
    });
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

import type { Pool, PoolClient } from 'pg';
import type { CreatePaymentInput, PaymentView } from '../domain/payment';
import type { PaymentStatus } from '../domain/payment-status';
import type { NotificationType } from '../domain/merchant-notification';
import { StaleStatusError, type StatusChange } from '../domain/status-change';
import { insertOutboxEvent } from './outbox';
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

/** The merchant notification a payment's final status causes. */
const FINAL_EVENT_TYPES: Partial<Record<PaymentStatus, NotificationType>> = {
  SUCCEEDED: 'payment.succeeded',
  FAILED: 'payment.failed',
  CLOSED: 'payment.closed',
};

type CasResult = 'APPLIED' | 'RERUN';

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
      const attemptApplied = ch.attempt ? await this.casAttempt(c, ch) : 'APPLIED';
      const paymentApplied = ch.payment ? await this.casPayment(c, ch) : 'APPLIED';
      const rerun = attemptApplied === 'RERUN' || paymentApplied === 'RERUN';
      if (ch.nextAction !== undefined && !rerun) {
        await c.query(
          `UPDATE payments SET next_action = $2, updated_at = $3
           WHERE id = $1 AND status NOT IN ('SUCCEEDED','FAILED','CLOSED')`,
          [ch.paymentId, ch.nextAction ? JSON.stringify(ch.nextAction) : null, ch.at],
        );
      }
      const view = await this.loadBy(c, 'id = $1', [ch.paymentId]);
      if (!view) throw new Error(`payment ${ch.paymentId} not found`);
      return view;
    });
  }

  /**
   * APPLIED: the row moved now, or was already at the target. RERUN: the row has moved on, but its history
   * shows this very move was made before (a re-run after a crash lost the workflow task that made it), so
   * the change is already in place and the row is answered as it is. Anything else is a StaleStatusError.
   */
  private async casPayment(c: PoolClient, ch: StatusChange): Promise<CasResult> {
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
      return 'APPLIED';
    }
    const cur = await c.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [
      ch.paymentId,
    ]);
    const actual = cur.rows[0]?.status ?? null;
    if (actual === p.to) return 'APPLIED';
    if (await this.madeBefore(c, ch.paymentId, null, p.from, p.to)) return 'RERUN';
    throw new StaleStatusError(`payment ${ch.paymentId}`, p.from, actual);
  }

  private async casAttempt(c: PoolClient, ch: StatusChange): Promise<CasResult> {
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
      return 'APPLIED';
    }
    const cur = await c.query<{ status: string }>(
      'SELECT status FROM payment_attempts WHERE payment_id = $1 AND attempt_no = $2',
      [ch.paymentId, a.attemptNo],
    );
    const actual = cur.rows[0]?.status ?? null;
    if (actual === a.to) return 'APPLIED';
    // A same-status write (details only) has no history entry: it is a re-run if the attempt has left `from`.
    const to = a.from === a.to ? null : a.to;
    if (actual !== null && (await this.madeBefore(c, ch.paymentId, a.attemptNo, a.from, to))) return 'RERUN';
    throw new StaleStatusError(`attempt ${ch.paymentId}#${a.attemptNo}`, a.from, actual);
  }

  /** Whether the history shows the move from → to (to null: any move from `from`) of the payment or one attempt. */
  private async madeBefore(
    c: PoolClient,
    paymentId: string,
    attemptNo: number | null,
    from: string,
    to: string | null,
  ): Promise<boolean> {
    const res = await c.query(
      `SELECT 1 FROM payment_status_history
       WHERE payment_id = $1 AND attempt_no IS NOT DISTINCT FROM $2 AND from_status = $3
         AND ($4::text IS NULL OR to_status = $4) LIMIT 1`,
      [paymentId, attemptNo, from, to],
    );
    return (res.rowCount ?? 0) > 0;
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

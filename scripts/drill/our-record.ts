import { Pool } from 'pg';

/** The service's record of the drill's payments, straight from PostgreSQL. */
export interface RecordedPayment {
  id: string;
  status: string;
  amount: number;
  refundedAmount: number;
  attempts: { attemptNo: number; channel: string; channelOutTradeNo: string; status: string }[];
}

export interface RecordedRefund {
  id: string;
  paymentId: string;
  status: string;
  amount: number;
  kind: string;
  attemptNo: number;
}

/** Late money recorded (`late_payments`): each must have its automatic refund. */
export interface RecordedLatePayment {
  paymentId: string;
  attemptNo: number;
}

export interface RecordedNotification {
  id: string;
  paymentId: string;
  refundId: string | null;
  type: string;
  status: string;
  body: string;
}

export interface OurRecord {
  payments: RecordedPayment[];
  refunds: RecordedRefund[];
  notifications: RecordedNotification[];
  latePayments: RecordedLatePayment[];
}

export async function readOurRecord(databaseUrl: string, outTradeNoPrefix: string): Promise<OurRecord> {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const ours = `SELECT id FROM payments WHERE out_trade_no LIKE $1`;
    const like = [`${outTradeNoPrefix}%`];
    const payments = await pool.query<{
      id: string;
      status: string;
      amount: string;
      refunded_amount: string;
    }>(`SELECT id, status, amount, refunded_amount FROM payments WHERE id IN (${ours})`, like);
    const attempts = await pool.query<{
      payment_id: string;
      attempt_no: number;
      channel: string;
      channel_out_trade_no: string;
      status: string;
    }>(
      `SELECT payment_id, attempt_no, channel, channel_out_trade_no, status FROM payment_attempts
        WHERE payment_id IN (${ours}) ORDER BY attempt_no`,
      like,
    );
    const refunds = await pool.query<{
      id: string;
      payment_id: string;
      status: string;
      amount: string;
      kind: string;
      attempt_no: number;
    }>(
      `SELECT id, payment_id, status, amount, kind, attempt_no FROM refunds WHERE payment_id IN (${ours})`,
      like,
    );
    const late = await pool.query<{ payment_id: string; attempt_no: number }>(
      `SELECT payment_id, attempt_no FROM late_payments WHERE payment_id IN (${ours})`,
      like,
    );
    const notifications = await pool.query<{
      id: string;
      payment_id: string;
      refund_id: string | null;
      type: string;
      status: string;
      body: string;
    }>(
      `SELECT id, payment_id, refund_id, type, status, body FROM merchant_notifications
        WHERE payment_id IN (${ours})`,
      like,
    );
    const byPayment = new Map<string, RecordedPayment['attempts']>();
    for (const a of attempts.rows) {
      const list = byPayment.get(a.payment_id) ?? [];
      list.push({
        attemptNo: a.attempt_no,
        channel: a.channel,
        channelOutTradeNo: a.channel_out_trade_no,
        status: a.status,
      });
      byPayment.set(a.payment_id, list);
    }
    return {
      payments: payments.rows.map((p) => ({
        id: p.id,
        status: p.status,
        amount: Number(p.amount),
        refundedAmount: Number(p.refunded_amount),
        attempts: byPayment.get(p.id) ?? [],
      })),
      refunds: refunds.rows.map((r) => ({
        id: r.id,
        paymentId: r.payment_id,
        status: r.status,
        amount: Number(r.amount),
        kind: r.kind,
        attemptNo: r.attempt_no,
      })),
      notifications: notifications.rows.map((n) => ({
        id: n.id,
        paymentId: n.payment_id,
        refundId: n.refund_id,
        type: n.type,
        status: n.status,
        body: n.body,
      })),
      latePayments: late.rows.map((l) => ({ paymentId: l.payment_id, attemptNo: l.attempt_no })),
    };
  } finally {
    await pool.end();
  }
}

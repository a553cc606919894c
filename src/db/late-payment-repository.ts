import type { Pool } from 'pg';

export type LatePaymentReason = 'LATE_PAYMENT' | 'DUPLICATE_PAYMENT';

export interface LatePayment {
  paymentId: string;
  attemptNo: number;
  channel: string;
  channelTradeNo: string | null;
  amount: number;
  reason: LatePaymentReason;
}

/** Money that arrived for a payment that must not keep it; recorded once per attempt, to be refunded. */
export class LatePaymentRepository {
  constructor(private readonly pool: Pool) {}

  async record(l: LatePayment): Promise<void> {
    await this.pool.query(
      `INSERT INTO late_payments (payment_id, attempt_no, channel, channel_trade_no, amount, reason)
       VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (payment_id, attempt_no) DO NOTHING`,
      [l.paymentId, l.attemptNo, l.channel, l.channelTradeNo, l.amount, l.reason],
    );
  }

  async forPayment(paymentId: string): Promise<Array<LatePayment & { refundStatus: string }>> {
    const res = await this.pool.query<{
      payment_id: string;
      attempt_no: number;
      channel: string;
      channel_trade_no: string | null;
      amount: number;
      reason: LatePaymentReason;
      refund_status: string;
    }>('SELECT * FROM late_payments WHERE payment_id = $1 ORDER BY attempt_no', [paymentId]);
    return res.rows.map((r) => ({
      paymentId: r.payment_id,
      attemptNo: r.attempt_no,
      channel: r.channel,
      channelTradeNo: r.channel_trade_no,
      amount: r.amount,
      reason: r.reason,
      refundStatus: r.refund_status,
    }));
  }
}

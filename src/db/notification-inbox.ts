import type { Pool } from 'pg';

export interface InboxEntry {
  channel: string;
  notifyId: string | null;
  raw: Record<string, string>;
  verified: boolean;
  rejectionReason: string | null;
  outTradeNo: string | null;
  tradeStatus: string | null;
  paymentId: string | null;
}

/** The inbox of channel notifications: every one received is kept, raw, with its verification result. */
export class NotificationInbox {
  constructor(private readonly pool: Pool) {}

  /** Records the notification; `duplicate` when an accepted one with the same notify id was already recorded. */
  async record(e: InboxEntry): Promise<{ duplicate: boolean }> {
    const res = await this.pool.query(
      `INSERT INTO channel_notifications (channel, notify_id, raw, verified, rejection_reason, out_trade_no, trade_status, payment_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (channel, notify_id) WHERE verified DO NOTHING`,
      [
        e.channel,
        e.notifyId,
        JSON.stringify(e.raw),
        e.verified,
        e.rejectionReason,
        e.outTradeNo,
        e.tradeStatus,
        e.paymentId,
      ],
    );
    return { duplicate: res.rowCount === 0 };
  }

  async rejected(
    limit = 100,
  ): Promise<Array<{ id: number; channel: string; reason: string; receivedAt: string }>> {
    const res = await this.pool.query<{
      id: number;
      channel: string;
      rejection_reason: string;
      received_at: Date;
    }>(
      'SELECT id, channel, rejection_reason, received_at FROM channel_notifications WHERE NOT verified ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return res.rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      reason: r.rejection_reason,
      receivedAt: r.received_at.toISOString(),
    }));
  }
}

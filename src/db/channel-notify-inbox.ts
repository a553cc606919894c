import type { Pool, PoolClient } from 'pg';
import { toStorableText } from '../domain/text-rules';
import { withTransaction } from './transaction';

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

/** Raw rows kept per group of identical rejections (channel, reason, claimed payment); the rest are counted. */
export const RETAINED_REJECTIONS_PER_GROUP = 100;

const MAX_FIELD = 2_048;
const MAX_FIELDS = 64;

/**
 * What the inbox keeps of a value: printable text (a refused character is written as a visible
 * `\uXXXX`, as PostgreSQL refuses NUL and lone surrogates), at most 2 KiB.
 */
const storable = (s: string | null | undefined): string | null =>
  typeof s === 'string' ? toStorableText(s.slice(0, MAX_FIELD)) : null;

function storableRaw(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  // A field without a value (a header that was not sent) is left out rather than trusted to be text.
  for (const [k, v] of Object.entries(raw).slice(0, MAX_FIELDS)) {
    if (typeof v === 'string') out[storable(k)!] = storable(v)!;
  }
  return out;
}

/** The inbox of channel notifications: every one received is kept, raw, with its verification result. */
export class NotificationInbox {
  constructor(private readonly pool: Pool) {}

  /**
   * Records the notification; `duplicate` when an accepted one with the same notify id was already
   * recorded. A rejected one is counted in its group and kept raw only while the group is small.
   */
  async record(e: InboxEntry): Promise<{ duplicate: boolean }> {
    if (e.verified) return this.insert(this.pool, e);
    return withTransaction(this.pool, async (c) => {
      const group = await c.query<{ count: string }>(
        `INSERT INTO channel_notification_rejections (channel, reason, payment_key, count)
           VALUES ($1, $2, $3, 1)
           ON CONFLICT (channel, reason, payment_key) DO UPDATE
             SET count = channel_notification_rejections.count + 1, last_at = now()
           RETURNING count`,
        [storable(e.channel), storable(e.rejectionReason ?? '?'), e.paymentId ?? ''],
      );
      if (Number(group.rows[0]!.count) > RETAINED_REJECTIONS_PER_GROUP) return { duplicate: false };
      return this.insert(c, e);
    });
  }

  private async insert(c: Pool | PoolClient, e: InboxEntry): Promise<{ duplicate: boolean }> {
    const res = await c.query(
      `INSERT INTO channel_notifications (channel, notify_id, raw, verified, rejection_reason, out_trade_no, trade_status, payment_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
         ON CONFLICT (channel, notify_id) WHERE verified DO NOTHING`,
      [
        storable(e.channel),
        storable(e.notifyId),
        JSON.stringify(storableRaw(e.raw)),
        e.verified,
        storable(e.rejectionReason ?? (e.verified ? null : '?')),
        storable(e.outTradeNo),
        storable(e.tradeStatus),
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

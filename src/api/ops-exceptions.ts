import type { Pool } from 'pg';
import { z } from 'zod';

/** Kinds listed (reconciliation differences join when that capability lands). */
export const EXCEPTION_KINDS = [
  'PAYMENT_UNKNOWN',
  'PAYMENT_PAST_DEADLINE',
  'REFUND_FAILED',
  'NOTIFICATION_DEAD',
  'CHANNEL_NOTIFICATION_REJECTED',
  'LATE_PAYMENT',
  'DUPLICATE_PAYMENT',
] as const;

export const ExceptionSchema = z.object({
  kind: z.enum(EXCEPTION_KINDS),
  id: z.string(),
  paymentId: z.string().nullable(),
  detail: z.string(),
  at: z.string(),
});
export const ExceptionsSchema = z.object({ exceptions: z.array(ExceptionSchema) });
export type OpsException = z.infer<typeof ExceptionSchema>;

interface Row {
  kind: (typeof EXCEPTION_KINDS)[number];
  id: string;
  payment_id: string | null;
  detail: string;
  at: Date;
}

/** One list of what needs a person, newest first; each source is a small query. */
const SOURCES = [
  `SELECT 'PAYMENT_UNKNOWN' AS kind, id, id AS payment_id, 'channel result unknown' AS detail, updated_at AS at
     FROM payments WHERE status = 'UNKNOWN'`,
  `SELECT 'PAYMENT_PAST_DEADLINE', id, id, 'still ' || status || ' after its deadline', expires_at
     FROM payments WHERE status IN ('CREATED','PROCESSING','AWAITING_RETRY') AND expires_at < now() - interval '1 minute'`,
  `SELECT 'REFUND_FAILED', id, payment_id, 'refund of ' || amount || ' failed: ' || coalesce(code, '?'), updated_at
     FROM refunds WHERE status = 'FAILED'`,
  `SELECT 'NOTIFICATION_DEAD', id, payment_id, type || ' to ' || notify_url || ': ' || coalesce(last_error, 'HTTP ' || last_status_code, '?'), dead_at
     FROM merchant_notifications WHERE status = 'DEAD'`,
  `SELECT 'CHANNEL_NOTIFICATION_REJECTED', 'inbox_' || id, payment_id, channel || ': ' || rejection_reason, received_at
     FROM channel_notifications WHERE NOT verified`,
  `SELECT l.reason, coalesce(r.id, 'late_' || l.id), l.payment_id,
          'attempt ' || l.attempt_no || ' paid ' || l.amount || ', automatic refund ' || coalesce(r.status, 'not started'), l.detected_at
     FROM late_payments l
     LEFT JOIN refunds r ON r.payment_id = l.payment_id AND r.attempt_no = l.attempt_no AND r.kind = l.reason`,
];

export async function listExceptions(pool: Pool, limit: number): Promise<{ exceptions: OpsException[] }> {
  const sql = `SELECT * FROM (${SOURCES.join(' UNION ALL ')}) x ORDER BY at DESC LIMIT $1`;
  const res = await pool.query<Row>(sql, [limit]);
  return {
    exceptions: res.rows.map((r) => ({
      kind: r.kind,
      id: r.id,
      paymentId: r.payment_id,
      detail: r.detail,
      at: r.at.toISOString(),
    })),
  };
}

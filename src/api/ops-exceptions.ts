import type { Pool } from 'pg';
import { z } from 'zod';
import { RequestValidationError } from '../client/validation-error';
import { FUND_CHECK_EXCEPTIONS_SQL } from '../db/fund-checks/fund-check-store';
import { isPrintableText } from '../domain/text-rules';

/** Kinds listed. */
export const EXCEPTION_KINDS = [
  'PAYMENT_UNKNOWN',
  'PAYMENT_PAST_DEADLINE',
  'REFUND_FAILED',
  'REFUND_STUCK_PROCESSING',
  'NOTIFICATION_DEAD',
  'CHANNEL_NOTIFICATION_REJECTED',
  'LATE_PAYMENT',
  'DUPLICATE_PAYMENT',
  'FUND_CHECK_FINDING',
  'RECONCILIATION_DIFFERENCE',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/** A refund still PROCESSING after this long is listed (env REFUND_STUCK_AFTER_MS). */
export const DEFAULT_REFUND_STUCK_AFTER_MS = 3_600_000;

export const ExceptionSchema = z.object({
  kind: z.enum(EXCEPTION_KINDS),
  id: z.string(),
  paymentId: z.string().nullable(),
  detail: z.string(),
  at: z.string(),
  /** How many events the entry stands for: identical rejected channel notifies are one entry. */
  count: z.number().int(),
});
export const ExceptionsSchema = z.object({
  exceptions: z.array(ExceptionSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
  /** Entries per kind over the whole list (not only this page), so a flood of one kind never hides another. */
  counts: z.record(z.string(), z.number().int()),
});
export type OpsException = z.infer<typeof ExceptionSchema>;

export const ExceptionsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be a nextCursor of a previous page')
    .optional(),
  kind: z
    .string()
    .max(400)
    .optional()
    .describe(`comma-separated kinds: ${EXCEPTION_KINDS.join(', ')}`)
    .superRefine((s, ctx) => {
      const bad = (s ?? '')
        .split(',')
        .filter((k) => k && !(EXCEPTION_KINDS as readonly string[]).includes(k));
      if (bad.length)
        ctx.addIssue({ code: 'custom', message: `unknown kind; one of ${EXCEPTION_KINDS.join(', ')}` });
    }),
});

interface Row {
  kind: ExceptionKind;
  id: string;
  payment_id: string | null;
  detail: string;
  at: Date;
  /** Microseconds since the epoch: the cursor keeps PostgreSQL's full precision (a Date would drop it). */
  at_us: string | number;
  count: string | number;
}

/** One list of what needs a person, newest first; each source is a small query. $1: stuck-refund interval in ms. */
const SOURCES = [
  `SELECT 'PAYMENT_UNKNOWN' AS kind, id, id AS payment_id, 'channel result unknown' AS detail, updated_at AS at, 1 AS count
     FROM payments WHERE status = 'UNKNOWN'`,
  `SELECT 'PAYMENT_PAST_DEADLINE', id, id, 'still ' || status || ' after its deadline', expires_at, 1
     FROM payments WHERE status IN ('CREATED','PROCESSING','AWAITING_RETRY') AND expires_at < now() - interval '1 minute'`,
  `SELECT 'REFUND_FAILED', id, payment_id, 'refund of ' || amount || ' failed: ' || coalesce(code, '?'), updated_at, 1
     FROM refunds WHERE status = 'FAILED'`,
  `SELECT 'REFUND_STUCK_PROCESSING', id, payment_id, 'refund of ' || amount || ' still PROCESSING since ' || updated_at, updated_at, 1
     FROM refunds WHERE status = 'PROCESSING' AND updated_at < now() - make_interval(secs => $1::double precision / 1000)`,
  `SELECT 'NOTIFICATION_DEAD', id, payment_id, type || ' to ' || notify_url || ': ' || coalesce(last_error, 'HTTP ' || last_status_code, '?'), dead_at, 1
     FROM merchant_notifications WHERE status = 'DEAD'`,
  `SELECT 'CHANNEL_NOTIFICATION_REJECTED', 'rejected_' || md5(channel || '|' || reason || '|' || payment_key),
          nullif(payment_key, ''), channel || ': ' || reason || CASE WHEN count > 1 THEN ' (' || count || ' times)' ELSE '' END,
          last_at, count
     FROM channel_notification_rejections`,
  `SELECT l.reason, coalesce(r.id, 'late_' || l.id), l.payment_id,
          'attempt ' || l.attempt_no || ' paid ' || l.amount || ', automatic refund ' || coalesce(r.status, 'not started'), l.detected_at, 1
     FROM late_payments l
     LEFT JOIN refunds r ON r.payment_id = l.payment_id AND r.attempt_no = l.attempt_no AND r.kind = l.reason`,
  // The findings of the latest fund-safety check run.
  `SELECT kind, id, payment_id, detail, at, 1 FROM (${FUND_CHECK_EXCEPTIONS_SQL}) fc`,
  // OPEN differences of each day's latest completed reconciliation run.
  `SELECT 'RECONCILIATION_DIFFERENCE', 'recdiff_' || d.id, d.payment_id,
          l.channel || ' ' || to_char(l.bill_date, 'YYYY-MM-DD') || ': ' || d.type
            || ' local ' || coalesce(d.local_amount::text, '-') || ' channel ' || coalesce(d.channel_amount::text, '-')
            || coalesce(' (' || d.detail || ')', ''), d.created_at, 1
     FROM reconciliation_differences d
     JOIN (SELECT DISTINCT ON (channel, bill_date) id, channel, bill_date FROM reconciliation_runs
            WHERE status = 'COMPLETED' ORDER BY channel, bill_date, started_at DESC, id DESC) l ON l.id = d.run_id
    WHERE d.resolution = 'OPEN'`,
];

const ALL = `SELECT kind, id, payment_id, detail, coalesce(at, 'epoch') AS at,
                    (extract(epoch FROM coalesce(at, 'epoch')) * 1000000)::bigint AS at_us, count
               FROM (${SOURCES.join(' UNION ALL ')}) u`;

function decodeCursor(cursor: string): [string, string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string')) {
      const [atUs, kind, id] = v as [string, string, string];
      const ok =
        /^-?\d{1,20}$/.test(atUs) &&
        (EXCEPTION_KINDS as readonly string[]).includes(kind) &&
        id.length <= 200 &&
        isPrintableText(id, 'name');
      if (ok) return [atUs, kind, id];
    }
  } catch {
    // fall through
  }
  throw new RequestValidationError([
    { path: 'querystring.cursor', message: 'must be a nextCursor of a previous page' },
  ]);
}

export interface ExceptionsQuery {
  limit: number;
  cursor?: string;
  kind?: string;
}

/** Newest first, paged by (at, kind, id), optionally only some kinds. */
export async function listExceptions(
  pool: Pool,
  q: ExceptionsQuery,
  refundStuckAfterMs = DEFAULT_REFUND_STUCK_AFTER_MS,
): Promise<z.infer<typeof ExceptionsSchema>> {
  const kinds = q.kind ? q.kind.split(',').filter(Boolean) : null;
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const page = await pool.query<Row>(
    `SELECT * FROM (${ALL}) x
      WHERE ($2::text[] IS NULL OR kind = ANY($2))
        AND ($3::bigint IS NULL OR (at_us, kind, id) < ($3::bigint, $4::text, $5::text))
      ORDER BY at_us DESC, kind DESC, id DESC LIMIT $6`,
    [refundStuckAfterMs, kinds, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, q.limit + 1],
  );
  const counts = await pool.query<{ kind: string; n: string }>(
    `SELECT kind, sum(count)::bigint AS n FROM (${ALL}) x GROUP BY kind`,
    [refundStuckAfterMs],
  );
  const rows = page.rows.slice(0, q.limit);
  const last = rows[rows.length - 1];
  return {
    exceptions: rows.map((r) => ({
      kind: r.kind,
      id: r.id,
      paymentId: r.payment_id,
      detail: r.detail,
      at: r.at.toISOString(),
      count: Number(r.count),
    })),
    nextCursor:
      page.rows.length > q.limit && last
        ? Buffer.from(JSON.stringify([String(last.at_us), last.kind, last.id])).toString('base64url')
        : null,
    counts: Object.fromEntries(counts.rows.map((r) => [r.kind, Number(r.n)])),
  };
}

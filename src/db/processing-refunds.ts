import type { Pool } from 'pg';

/**
 * Refunds still PROCESSING whose last change is older than `minAgeMs`, oldest first: the refund sweeper's
 * candidates (a reservation committed while Temporal was down has no workflow). The age keeps the sweeper
 * from racing the API's own start right after the reservation; it is measured on the database's clock.
 */
export async function listProcessingRefundIds(
  pool: Pool,
  minAgeMs: number,
  limit: number,
): Promise<string[]> {
  const res = await pool.query<{ id: string }>(
    `SELECT id FROM refunds
      WHERE status = 'PROCESSING' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY updated_at LIMIT $2`,
    [minAgeMs, limit],
  );
  return res.rows.map((r) => r.id);
}

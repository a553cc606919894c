import type { Pool } from 'pg';

/** An open reconciliation difference in the shape of an entry of GET /v1/ops/exceptions. */
export interface ReconciliationException {
  kind: 'RECONCILIATION_DIFFERENCE';
  id: string;
  runId: string;
  channel: string;
  billDate: string;
  type: string;
  paymentId: string | null;
  refundId: string | null;
  channelTradeNo: string | null;
  localAmount: number | null;
  channelAmount: number | null;
  detail: string | null;
  at: string;
}

/**
 * OPEN differences, each once: a finding repeated by reruns is shown from its latest run only (and not at
 * all once a later run of the day no longer finds it).
 */
export async function listOpenReconciliationDifferences(
  pool: Pool,
  limit = 500,
): Promise<ReconciliationException[]> {
  const res = await pool.query<Record<string, unknown>>(
    `WITH latest AS (
       SELECT DISTINCT ON (channel, bill_date) id, channel, bill_date FROM reconciliation_runs
        WHERE status = 'COMPLETED' ORDER BY channel, bill_date, started_at DESC, id DESC)
     SELECT d.id, d.run_id, l.channel, to_char(l.bill_date, 'YYYY-MM-DD') AS bill_date, d.type, d.payment_id,
            d.refund_id, d.channel_trade_no, d.local_amount, d.channel_amount, d.detail, d.created_at
       FROM reconciliation_differences d JOIN latest l ON l.id = d.run_id
      WHERE d.resolution = 'OPEN' ORDER BY d.created_at DESC, d.id DESC LIMIT $1`,
    [limit],
  );
  return res.rows.map((r) => ({
    kind: 'RECONCILIATION_DIFFERENCE',
    id: `recdiff_${String(r.id)}`,
    runId: r.run_id as string,
    channel: r.channel as string,
    billDate: r.bill_date as string,
    type: r.type as string,
    paymentId: (r.payment_id as string | null) ?? null,
    refundId: (r.refund_id as string | null) ?? null,
    channelTradeNo: (r.channel_trade_no as string | null) ?? null,
    localAmount: (r.local_amount as number | null) ?? null,
    channelAmount: (r.channel_amount as number | null) ?? null,
    detail: (r.detail as string | null) ?? null,
    at: (r.created_at as Date).toISOString(),
  }));
}

import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { DifferenceType, RepairAction, Resolution, RunStatus } from '../../domain/reconciliation';

export interface RunSummary {
  channelRows: number;
  localRows: number;
  matched: number;
  differences: number;
}

export interface RunRecord {
  id: string;
  workflowId: string;
  channel: string;
  billDate: string;
  status: RunStatus;
  rowsRead: number;
  summary: RunSummary | null;
  reason: string | null;
  rerunOf: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface DifferenceRecord {
  id: number;
  runId: string;
  differenceKey: string;
  repairKey: string | null;
  type: DifferenceType;
  paymentId: string | null;
  refundId: string | null;
  channelTradeNo: string | null;
  channelOutTradeNo: string | null;
  outRefundNo: string | null;
  localAmount: number | null;
  channelAmount: number | null;
  currency: string | null;
  channelFinishedAt: Date | null;
  repairAction: RepairAction;
  resolution: Resolution;
  detail: string | null;
  createdAt: Date;
}

export type NewDifference = Omit<DifferenceRecord, 'id' | 'runId' | 'resolution' | 'createdAt'>;

const RUN_COLS = `id, workflow_id, channel, to_char(bill_date, 'YYYY-MM-DD') AS bill_date, status, rows_read,
  summary, reason, rerun_of, started_at, finished_at`;

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    id: r.id as string,
    workflowId: r.workflow_id as string,
    channel: r.channel as string,
    billDate: r.bill_date as string,
    status: r.status as RunStatus,
    rowsRead: r.rows_read as number,
    summary: (r.summary as RunSummary | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    rerunOf: (r.rerun_of as string | null) ?? null,
    startedAt: r.started_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
  };
}

function toDifference(r: Record<string, unknown>): DifferenceRecord {
  return {
    id: Number(r.id),
    runId: r.run_id as string,
    differenceKey: r.difference_key as string,
    repairKey: (r.repair_key as string | null) ?? null,
    type: r.type as DifferenceType,
    paymentId: (r.payment_id as string | null) ?? null,
    refundId: (r.refund_id as string | null) ?? null,
    channelTradeNo: (r.channel_trade_no as string | null) ?? null,
    channelOutTradeNo: (r.channel_out_trade_no as string | null) ?? null,
    outRefundNo: (r.out_refund_no as string | null) ?? null,
    localAmount: (r.local_amount as number | null) ?? null,
    channelAmount: (r.channel_amount as number | null) ?? null,
    currency: (r.currency as string | null) ?? null,
    channelFinishedAt: (r.channel_finished_at as Date | null) ?? null,
    repairAction: r.repair_action as RepairAction,
    resolution: r.resolution as Resolution,
    detail: (r.detail as string | null) ?? null,
    createdAt: r.created_at as Date,
  };
}

/** Runs and their differences (migration 007). Every write is idempotent: activities may run again. */
export class ReconciliationRepository {
  constructor(private readonly pool: Pool) {}

  /** The run of a workflow id, created on first call: the API and the workflow itself both call it. */
  async ensureRun(r: {
    workflowId: string;
    channel: string;
    billDate: string;
    reason: string | null;
    rerunOf: string | null;
  }): Promise<RunRecord> {
    await this.pool.query(
      `INSERT INTO reconciliation_runs (id, workflow_id, channel, bill_date, status, reason, rerun_of)
       VALUES ($1, $2, $3, $4, 'RUNNING', $5, $6) ON CONFLICT (workflow_id) DO NOTHING`,
      [`rec_${randomUUID().replaceAll('-', '')}`, r.workflowId, r.channel, r.billDate, r.reason, r.rerunOf],
    );
    const res = await this.pool.query(`SELECT ${RUN_COLS} FROM reconciliation_runs WHERE workflow_id = $1`, [
      r.workflowId,
    ]);
    return toRun(res.rows[0] as Record<string, unknown>);
  }

  async find(id: string): Promise<RunRecord | null> {
    const res = await this.pool.query(`SELECT ${RUN_COLS} FROM reconciliation_runs WHERE id = $1`, [id]);
    return res.rows[0] ? toRun(res.rows[0] as Record<string, unknown>) : null;
  }

  /** Every run of the day, oldest first. */
  async forDay(channel: string, billDate: string): Promise<RunRecord[]> {
    const res = await this.pool.query(
      `SELECT ${RUN_COLS} FROM reconciliation_runs WHERE channel = $1 AND bill_date = $2 ORDER BY started_at, id`,
      [channel, billDate],
    );
    return res.rows.map((r) => toRun(r as Record<string, unknown>));
  }

  async setRowsRead(id: string, rowsRead: number): Promise<void> {
    await this.pool.query('UPDATE reconciliation_runs SET rows_read = $2 WHERE id = $1', [id, rowsRead]);
  }

  async setSummary(id: string, summary: RunSummary): Promise<void> {
    await this.pool.query('UPDATE reconciliation_runs SET summary = $2 WHERE id = $1', [id, summary]);
  }

  async finish(id: string, status: 'COMPLETED' | 'FAILED', reason?: string): Promise<RunRecord | null> {
    await this.pool.query(
      `UPDATE reconciliation_runs SET status = $2, finished_at = COALESCE(finished_at, now()),
         reason = CASE WHEN $3::text IS NULL THEN reason ELSE concat_ws(' / ', reason, $3::text) END
       WHERE id = $1 AND status = 'RUNNING'`,
      [id, status, reason ?? null],
    );
    return this.find(id);
  }

  /** Writes the run's differences; one already written (a retried activity) is left as it is. */
  async addDifferences(runId: string, diffs: NewDifference[]): Promise<void> {
    if (diffs.length === 0) return;
    await this.pool.query(
      `INSERT INTO reconciliation_differences (run_id, difference_key, repair_key, type, payment_id, refund_id,
         channel_trade_no, channel_out_trade_no, out_refund_no, local_amount, channel_amount, currency,
         channel_finished_at, repair_action, detail)
       SELECT $1, d.* FROM json_to_recordset($2::json) AS d(difference_key text, repair_key text, type text,
         payment_id text, refund_id text, channel_trade_no text, channel_out_trade_no text, out_refund_no text,
         local_amount bigint, channel_amount bigint, currency text, channel_finished_at timestamptz, repair_action text,
         detail text)
       ON CONFLICT (run_id, difference_key) DO NOTHING`,
      [
        runId,
        JSON.stringify(
          diffs.map((d) => ({
            difference_key: d.differenceKey,
            repair_key: d.repairKey,
            type: d.type,
            payment_id: d.paymentId,
            refund_id: d.refundId,
            channel_trade_no: d.channelTradeNo,
            channel_out_trade_no: d.channelOutTradeNo,
            out_refund_no: d.outRefundNo,
            local_amount: d.localAmount,
            channel_amount: d.channelAmount,
            currency: d.currency,
            channel_finished_at: d.channelFinishedAt,
            repair_action: d.repairAction,
            detail: d.detail,
          })),
        ),
      ],
    );
  }

  async differences(runId: string): Promise<DifferenceRecord[]> {
    const res = await this.pool.query(
      'SELECT * FROM reconciliation_differences WHERE run_id = $1 ORDER BY type, difference_key',
      [runId],
    );
    return res.rows.map((r) => toDifference(r as Record<string, unknown>));
  }

  async difference(id: number): Promise<DifferenceRecord | null> {
    const res = await this.pool.query('SELECT * FROM reconciliation_differences WHERE id = $1', [id]);
    return res.rows[0] ? toDifference(res.rows[0] as Record<string, unknown>) : null;
  }

  async resolve(id: number, resolution: Resolution, detail?: string): Promise<void> {
    await this.pool.query(
      `UPDATE reconciliation_differences SET resolution = $2, updated_at = now(),
         detail = COALESCE($3, detail) WHERE id = $1`,
      [id, resolution, detail ?? null],
    );
  }
}

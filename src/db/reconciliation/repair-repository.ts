import type { Pool } from 'pg';
import type { RepairAction, Resolution } from '../../domain/reconciliation';

export interface RepairRecord {
  repairKey: string;
  runId: string;
  action: Exclude<RepairAction, 'NONE'>;
  resolution: Resolution | null;
}

/**
 * The repairs ever started, one per repair key (the money they are about). Claiming one is what makes a
 * rerun, or a retried activity, find the earlier repair instead of acting twice.
 */
export class RepairRepository {
  constructor(private readonly pool: Pool) {}

  /** The repair for this key: claimed now by this run, or the one an earlier run (or try) claimed. */
  async claim(r: {
    repairKey: string;
    runId: string;
    action: Exclude<RepairAction, 'NONE'>;
    channel: string;
    outRequestNo: string | null;
  }): Promise<RepairRecord & { claimedNow: boolean }> {
    const ins = await this.pool.query(
      `INSERT INTO reconciliation_repairs (repair_key, run_id, action, channel, out_request_no)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (repair_key) DO NOTHING RETURNING repair_key`,
      [r.repairKey, r.runId, r.action, r.channel, r.outRequestNo],
    );
    const res = await this.pool.query<{
      run_id: string;
      action: RepairRecord['action'];
      resolution: Resolution | null;
    }>('SELECT run_id, action, resolution FROM reconciliation_repairs WHERE repair_key = $1', [r.repairKey]);
    const row = res.rows[0]!;
    return {
      repairKey: r.repairKey,
      runId: row.run_id,
      action: row.action,
      resolution: row.resolution,
      claimedNow: ins.rowCount === 1,
    };
  }

  async settle(repairKey: string, resolution: Resolution): Promise<void> {
    await this.pool.query(
      `UPDATE reconciliation_repairs SET resolution = $2, finished_at = now() WHERE repair_key = $1`,
      [repairKey, resolution],
    );
  }

  /** Where the payment stands after a delivered notice: its success (fixed), late money (refunded), or neither yet. */
  async noticeOutcome(paymentId: string, attemptNo: number): Promise<Resolution | null> {
    const res = await this.pool.query<{ fixed: boolean; late: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM payments p JOIN payment_attempts a ON a.payment_id = p.id
                       WHERE p.id = $1 AND a.attempt_no = $2 AND p.status = 'SUCCEEDED' AND a.status = 'SUCCEEDED') AS fixed,
              EXISTS (SELECT 1 FROM late_payments WHERE payment_id = $1 AND attempt_no = $2) AS late`,
      [paymentId, attemptNo],
    );
    const row = res.rows[0]!;
    if (row.late) return 'AUTO_REFUNDED';
    if (row.fixed) return 'AUTO_FIXED';
    return null;
  }
}

import type { Pool } from 'pg';
import type { FundCheckFinding, FundCheckName, FundCheckTally } from '../../domain/fund-checks';
import type { FundCheckRun } from './run-fund-checks';

interface RunRow {
  id: string;
  checked_at: Date;
  reason: string;
  who: string;
  tallies: FundCheckTally[];
}

interface FindingRow {
  check_name: FundCheckName;
  payment_id: string | null;
  refund_id: string | null;
  detail: string;
}

/** A past run with its findings, or null for an id that names none (whatever its shape). */
export async function findFundCheckRun(pool: Pool, id: string): Promise<FundCheckRun | null> {
  const run = await pool.query<RunRow>('SELECT * FROM fund_check_runs WHERE id = $1', [id]);
  const r = run.rows[0];
  if (!r) return null;
  const f = await pool.query<FindingRow>(
    'SELECT check_name, payment_id, refund_id, detail FROM fund_check_findings WHERE run_id = $1 ORDER BY id',
    [id],
  );
  const findings: FundCheckFinding[] = f.rows.map((x) => ({
    check: x.check_name,
    paymentId: x.payment_id,
    refundId: x.refund_id,
    detail: x.detail,
  }));
  return {
    id: r.id,
    checkedAt: r.checked_at.toISOString(),
    reason: r.reason,
    who: r.who,
    tallies: r.tallies,
    findings,
  };
}

/**
 * The open findings: those of the latest run (a later run that no longer finds a thing closes it), as one
 * source of GET /v1/ops/exceptions, in that list's columns (kind, id, payment_id, detail, at).
 */
export const FUND_CHECK_EXCEPTIONS_SQL = `
  SELECT 'FUND_CHECK_FINDING' AS kind, 'fcf_' || f.id AS id, f.payment_id,
         f.check_name || ': ' || f.detail AS detail, r.checked_at AS at
    FROM fund_check_findings f JOIN fund_check_runs r ON r.id = f.run_id
   WHERE f.run_id = (SELECT id FROM fund_check_runs ORDER BY stored_at DESC, id DESC LIMIT 1)`;

export interface FundCheckException {
  kind: 'FUND_CHECK_FINDING';
  id: string;
  paymentId: string | null;
  detail: string;
  at: string;
}

/** The same, as objects in the exceptions list's shape, in finding order (one run: one `at`). */
export async function listFundCheckExceptions(pool: Pool, limit = 1000): Promise<FundCheckException[]> {
  const res = await pool.query<{ id: string; payment_id: string | null; detail: string; at: Date }>(
    `SELECT * FROM (${FUND_CHECK_EXCEPTIONS_SQL}) x ORDER BY length(id), id LIMIT $1`,
    [limit],
  );
  return res.rows.map((r) => ({
    kind: 'FUND_CHECK_FINDING',
    id: r.id,
    paymentId: r.payment_id,
    detail: r.detail,
    at: r.at.toISOString(),
  }));
}

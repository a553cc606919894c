import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DEFAULT_FUND_CHECK_SETTINGS, type FundCheckSettings } from '../../domain/fund-check-settings';
import {
  FUND_CHECK_NAMES,
  tallyFindings,
  type FundCheckFinding,
  type FundCheckName,
  type FundCheckTally,
} from '../../domain/fund-checks';
import type { CheckContext, CheckSql } from './check-sql';
import { IDEMPOTENCY_CHECKS } from './idempotency';
import { LIMIT_CHECKS } from './limits';
import { SEQUENCE_CHECKS } from './sequence';
import { SUM_CHECKS } from './sums';
import { TIMELINESS_CHECKS } from './timeliness';

/** Every check's SQL, in the domain list's order (a unit test holds the two lists equal). */
export const ALL_CHECK_SQL: readonly CheckSql[] = [
  ...SUM_CHECKS,
  ...IDEMPOTENCY_CHECKS,
  ...TIMELINESS_CHECKS,
  ...SEQUENCE_CHECKS,
  ...LIMIT_CHECKS,
].sort((a, b) => FUND_CHECK_NAMES.indexOf(a.name) - FUND_CHECK_NAMES.indexOf(b.name));

export interface FundCheckRun {
  id: string;
  checkedAt: string;
  reason: string;
  who: string;
  tallies: FundCheckTally[];
  findings: FundCheckFinding[];
}

export interface RunFundChecksOptions {
  /** The instant the timeliness checks measure against; default the database's now. */
  now?: Date;
  settings?: FundCheckSettings;
  /** Why and by whom, for the run's record (the API passes the operator's; a reconciliation its own). */
  reason?: string;
  who?: string;
}

interface FindingRow {
  payment_id: string | null;
  refund_id: string | null;
  detail: string;
}

/**
 * Runs every check on `db` as it is: the caller chooses the snapshot (runFundChecks uses one REPEATABLE
 * READ transaction, so all checks see the same record). Findings are in check order, then by payment.
 */
export async function evaluateFundChecks(
  db: PoolClient,
  ctx: CheckContext,
): Promise<{ findings: FundCheckFinding[]; tallies: FundCheckTally[] }> {
  const findings: FundCheckFinding[] = [];
  const checked = new Map<FundCheckName, number>();
  for (const c of ALL_CHECK_SQL) {
    const count = await db.query<{ n: string }>(c.checked);
    checked.set(c.name, Number(count.rows[0]?.n ?? 0));
    const res = await db.query<FindingRow>(
      `SELECT * FROM (${c.findings}) f ORDER BY payment_id NULLS FIRST, refund_id NULLS FIRST, detail`,
      c.params?.(ctx) ?? [],
    );
    for (const r of res.rows) {
      findings.push({ check: c.name, paymentId: r.payment_id, refundId: r.refund_id, detail: r.detail });
    }
  }
  return { findings, tallies: tallyFindings(checked, findings) };
}

/** Runs the checks on one consistent snapshot and stores the run with its findings (id `fc_…`). */
export async function runFundChecks(pool: Pool, opts: RunFundChecksOptions = {}): Promise<FundCheckRun> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const dbNow = await client.query<{ now: Date }>('SELECT now() AS now');
    const now = opts.now ?? dbNow.rows[0]!.now;
    const { findings, tallies } = await evaluateFundChecks(client, {
      now,
      settings: opts.settings ?? DEFAULT_FUND_CHECK_SETTINGS,
    });
    const run: FundCheckRun = {
      id: `fc_${randomUUID().replace(/-/g, '')}`,
      checkedAt: now.toISOString(),
      reason: opts.reason ?? 'scheduled',
      who: opts.who ?? 'system',
      tallies,
      findings,
    };
    await client.query(
      'INSERT INTO fund_check_runs (id, checked_at, reason, who, tallies) VALUES ($1, $2, $3, $4, $5::jsonb)',
      [run.id, run.checkedAt, run.reason, run.who, JSON.stringify(tallies)],
    );
    await client.query(
      `INSERT INTO fund_check_findings (run_id, check_name, payment_id, refund_id, detail)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])`,
      [
        run.id,
        findings.map((f) => f.check),
        findings.map((f) => f.paymentId),
        findings.map((f) => f.refundId),
        findings.map((f) => f.detail),
      ],
    );
    await client.query('COMMIT');
    return run;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

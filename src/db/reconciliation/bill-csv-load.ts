import type { Pool } from 'pg';
import type { BillCsv, BillTotals } from '../../channels/channel-port';
import { copyInParts, fileRowsSql } from './bill-csv-copy';
import { BAD_ROW, stagingSelect, strictSelect } from './bill-csv-sql';
import { dropBillTables, PARTS, rawTable, stagingTable } from './staging';

/**
 * The bulk path of loadBill: the bill's records go as they are (bytes in the bill's encoding) through two
 * COPYs at once (PostgreSQL's CSV parser, bill-csv-copy.ts) into the two parts of the run's raw table,
 * SQL makes the staging rows of each part (the columns picked by header name), and
 * one query checks every row and the bill's own totals. A row the row reader would refuse fails the
 * load with its number; so do totals that disagree with the rows. A retry starts over.
 */
export async function loadBillCsvIntoStaging(
  pool: Pool,
  runId: string,
  bill: BillCsv,
  onProgress: (rowsRead: number) => void | Promise<void>,
  progressEvery = 50_000,
): Promise<number> {
  const stage = stagingTable(runId);
  const raw = rawTable(runId);
  const select = (from: string) => stagingSelect(from, bill.header, bill.layout);
  // Built first: a bill lacking a column fails before any table exists.
  const parent = stagingSelect(raw, bill.header, bill.layout, 'false');
  await pool.query(dropBillTables(runId));
  const columns = bill.header.map((_, i) => `c${i + 1} text`).join(', ');
  await pool.query(`CREATE UNLOGGED TABLE ${raw} (${columns})`);
  const parts = PARTS.map((i) => `${raw}_${i}`);
  for (const part of parts) await pool.query(`CREATE UNLOGGED TABLE ${part} () INHERITS (${raw})`);
  const { rowsRead, placed } = await copyInParts(pool, parts, bill, onProgress, progressEvery);
  await pool.query(`CREATE UNLOGGED TABLE ${stage} AS ${parent}`);
  const failed = (await stageInParts(pool, parts, stage, select)).find((r) => r.status === 'rejected');
  // A cast that could fail did: find the row for the message.
  if (failed) throw (await badRow(pool, fileRowsSql(parts, placed), bill)) ?? failed.reason;
  // Each part checked on its own connection, and the planner's statistics (of the parts through their
  // parent) taken meanwhile.
  const [checked] = await Promise.all([
    Promise.all(
      PARTS.map((i) => pool.query<Check>(`SELECT kind, ${CHECK} FROM ${stage}_${i} GROUP BY kind`)),
    ),
    analyze(pool, stage),
  ]);
  const check = { rows: sumChecks(checked.flatMap((r) => r.rows)) };
  if (check.rows.some((r) => r.bad > 0))
    throw (await badRow(pool, fileRowsSql(parts, placed), bill)) ?? new Error('bill row is malformed');
  checkTotals(bill.totals(), check.rows);
  await pool.query(`DROP TABLE ${raw} CASCADE`);
  await onProgress(rowsRead);
  return rowsRead;
}

/**
 * The staging rows, made from the raw table's parts at once on separate connections (the casts are most
 * of the load's CPU), each part a table that inherits the staging table: matching reads them all
 * through it.
 */
async function stageInParts(pool: Pool, raws: string[], stage: string, select: (from: string) => string) {
  return Promise.allSettled(
    raws.map(async (raw, i) => {
      await pool.query(`CREATE UNLOGGED TABLE ${stage}_${i + 1} AS ${select(raw)}`);
      await pool.query(`ALTER TABLE ${stage}_${i + 1} INHERIT ${stage}`);
    }),
  );
}

/**
 * The staging table's statistics from a small sample: matching needs its size and that its trade numbers
 * are distinct (a hash join), which 3,000 rows tell as well as the default 30,000 (a quarter second on a
 * million rows).
 */
async function analyze(pool: Pool, table: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SET LOCAL default_statistics_target = 10; ANALYZE ${table}; COMMIT`);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

interface Check {
  kind: string | null;
  rows: number;
  received: string | null;
  bad: number;
}
const CHECK = `count(*)::int AS rows, sum(received)::text AS received, (count(*) FILTER (WHERE ${BAD_ROW}))::int AS bad`;

/** The parts' checks summed by kind. */
function sumChecks(parts: Check[]): Check[] {
  const byKind = new Map<string | null, Check>();
  for (const c of parts) {
    const sum = byKind.get(c.kind);
    if (!sum) byKind.set(c.kind, { ...c });
    else {
      sum.rows += c.rows;
      sum.bad += c.bad;
      sum.received = String(Number(sum.received ?? 0) + Number(c.received ?? 0));
    }
  }
  return [...byKind.values()];
}

/** The first row the row reader would refuse, as its error; null if none is (the failure was elsewhere). */
async function badRow(pool: Pool, rows: string, bill: BillCsv): Promise<Error | null> {
  const r = await pool.query<{ n: string; line: string }>(
    `SELECT n, line FROM (${strictSelect(rows, bill.header, bill.layout)}) s WHERE ${BAD_ROW} ORDER BY n LIMIT 1`,
  );
  const row = r.rows[0];
  return row ? new Error(`bill row ${row.n} is malformed: ${row.line}`) : null;
}

function checkTotals(
  totals: BillTotals | null,
  found: Array<{ kind: string | null; rows: number; received: string | null }>,
): void {
  if (!totals) return;
  for (const kind of ['PAYMENT', 'REFUND'] as const) {
    const f = found.find((r) => r.kind === kind);
    const rows = f?.rows ?? 0;
    const received = Number(f?.received ?? 0);
    const stated = totals[kind];
    if (rows !== stated.rows || received !== stated.received) {
      throw new Error(
        `bill totals disagree with its rows: ${kind} rows ${rows} (stated ${stated.rows}), received ${received} (stated ${stated.received}) in minor units`,
      );
    }
  }
}

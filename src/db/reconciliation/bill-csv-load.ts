import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BillCsv, BillTotals } from '../../channels/channel-port';
import { BAD_ROW, stagingSelect, strictSelect } from './bill-csv-sql';
import { dropBillTables, PARTS, rawTable, stagingTable } from './staging';

/**
 * The bulk path of loadBill: the bill's records go as they are through one COPY (PostgreSQL's CSV parser)
 * into the run's raw table, SQL makes the staging rows of them (the columns picked by header name), and
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
  const select = (where: string) => stagingSelect(raw, bill.header, bill.layout, where);
  // Built first: a bill lacking a column fails before any table exists.
  const parent = select('false');
  await pool.query(dropBillTables(runId));
  const columns = bill.header.map((_, i) => `c${i + 1} text`).join(', ');
  await pool.query(`CREATE UNLOGGED TABLE ${raw} (${columns})`);
  let rowsRead = 0;
  const client = await pool.connect();
  try {
    async function* text(): AsyncGenerator<string> {
      for await (const chunk of bill.data) {
        const before = rowsRead;
        rowsRead += chunk.rows;
        yield chunk.text;
        if (Math.floor(rowsRead / progressEvery) > Math.floor(before / progressEvery))
          await onProgress(rowsRead);
      }
    }
    const copy = client.query(copyFrom(`COPY ${raw} FROM STDIN (FORMAT csv)`));
    await pipeline(Readable.from(text()), copy);
    // The records we counted are the rows PostgreSQL read, or the two readers disagree on the file.
    if (copy.rowCount !== rowsRead)
      throw new Error(`bill: COPY read ${copy.rowCount} rows, ${rowsRead} sent`);
  } catch (err) {
    throw copyError(err);
  } finally {
    client.release();
  }
  await pool.query(`CREATE UNLOGGED TABLE ${stage} AS ${parent}`);
  const failed = (await stageInParts(pool, raw, stage, select)).find((r) => r.status === 'rejected');
  // A cast that could fail did: find the row for the message.
  if (failed) throw (await badRow(pool, raw, bill)) ?? failed.reason;
  // The planner's statistics (of the parts through their parent) while the rows are checked.
  const [check] = await Promise.all([
    pool.query<{ kind: string | null; rows: number; received: string | null; bad: number }>(
      `SELECT kind, count(*)::int AS rows, sum(received)::text AS received, (count(*) FILTER (WHERE ${BAD_ROW}))::int AS bad
       FROM ${stage} GROUP BY kind`,
    ),
    pool.query(`ANALYZE ${stage}`),
  ]);
  if (check.rows.some((r) => r.bad > 0))
    throw (await badRow(pool, raw, bill)) ?? new Error('bill row is malformed');
  checkTotals(bill.totals(), check.rows);
  await pool.query(`DROP TABLE ${raw}`);
  await onProgress(rowsRead);
  return rowsRead;
}

/**
 * The staging rows, made from the raw table's page ranges at once on separate connections (the casts
 * are most of the load's CPU), each part a table that inherits the staging table: matching reads them
 * all through it.
 */
async function stageInParts(pool: Pool, raw: string, stage: string, select: (where: string) => string) {
  const size = await pool.query<{ pages: string }>(
    `SELECT pg_relation_size($1) / current_setting('block_size')::int AS pages`,
    [raw],
  );
  const step = Math.ceil(Number(size.rows[0]!.pages) / PARTS.length) || 1;
  return Promise.allSettled(
    PARTS.map(async (i) => {
      const from = `ctid >= '(${(i - 1) * step},0)'::tid`;
      const where = i === PARTS.length ? from : `${from} AND ctid < '(${i * step},0)'::tid`;
      await pool.query(`CREATE UNLOGGED TABLE ${stage}_${i} AS ${select(where)}`);
      await pool.query(`ALTER TABLE ${stage}_${i} INHERIT ${stage}`);
    }),
  );
}

/** The first row the row reader would refuse, as its error; null if none is (the failure was elsewhere). */
async function badRow(pool: Pool, raw: string, bill: BillCsv): Promise<Error | null> {
  const r = await pool.query<{ n: string; line: string }>(
    `SELECT n, line FROM (${strictSelect(raw, bill.header, bill.layout)}) s WHERE ${BAD_ROW} ORDER BY n LIMIT 1`,
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

/** COPY names the line it failed on ("COPY recon_raw_…, line 7"): say which bill row that is. */
function copyError(err: unknown): unknown {
  const where = (err as { where?: unknown }).where;
  const line = typeof where === 'string' ? /line (\d+)/.exec(where)?.[1] : undefined;
  if (!line || !(err instanceof Error)) return err;
  return new Error(`bill row ${line} is malformed: ${err.message} (${where as string})`);
}

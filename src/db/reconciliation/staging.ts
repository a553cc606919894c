import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BillRow } from '../../channels/channel-port';

/** The run's own staging table: its name is derived from the run id, so a retried load finds (and drops) it. */
export function stagingTable(runId: string): string {
  if (!/^rec_[0-9a-f]{32}$/.test(runId)) throw new RangeError(`not a run id: ${runId}`);
  return `recon_stage_${runId.slice(4)}`;
}

/** The run's raw bill table: the bill's own columns as text, by position (dropped once staged). */
export function rawTable(runId: string): string {
  return stagingTable(runId).replace('recon_stage_', 'recon_raw_');
}

/** Parts of the raw and staging tables, made at once (one per core of a small database machine). */
export const PARTS = [1, 2];

/** Every table of a run's bill: its raw and staging tables and their parts. */
export function dropBillTables(runId: string): string {
  const stage = stagingTable(runId);
  const raw = rawTable(runId);
  const tables = [...PARTS.map((i) => `${stage}_${i}`), stage, ...PARTS.map((i) => `${raw}_${i}`), raw];
  return tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join('; ');
}

const COLUMNS = 'kind, channel_trade_no, out_trade_no, out_refund_no, amount, currency, finished_at';
/** Rows per CSV chunk handed to COPY: one write per batch, not per row. */
const BATCH = 5000;

/**
 * Streams the bill into a fresh staging table with COPY. A retry (a crashed worker, a failed download)
 * starts over: the table is dropped and created again, so no row is ever loaded twice.
 */
export async function loadBillIntoStaging(
  pool: Pool,
  runId: string,
  rows: AsyncIterable<BillRow>,
  onProgress: (rowsRead: number) => void | Promise<void>,
  progressEvery = 50_000,
): Promise<number> {
  const table = stagingTable(runId);
  await pool.query(dropBillTables(runId));
  await pool.query(`CREATE UNLOGGED TABLE ${table} (LIKE reconciliation_staging_template)`);
  const client = await pool.connect();
  let rowsRead = 0;
  let broken = false;
  try {
    const copy = client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN (FORMAT csv)`));
    async function* csv(): AsyncGenerator<string> {
      let batch: string[] = [];
      for await (const r of rows) {
        batch.push(copyLine(r));
        rowsRead += 1;
        if (rowsRead % progressEvery === 0) await onProgress(rowsRead);
        if (batch.length < BATCH) continue;
        yield batch.join('');
        batch = [];
      }
      if (batch.length > 0) yield batch.join('');
    }
    await pipeline(Readable.from(csv()), copy).catch((err: unknown) => {
      broken = true;
      throw err;
    });
  } finally {
    // A COPY torn mid-stream (a bad row, a failed download) leaves its connection unusable: closed, not pooled.
    client.release(broken);
  }
  await pool.query(`ANALYZE ${table}`);
  await onProgress(rowsRead);
  return rowsRead;
}

/**
 * A field of COPY's CSV format: quoted only when it must be, so that an empty string stays one (unquoted
 * empty is NULL). Written here rather than with csv-stringify, which measured at 40 % of the bill parser's
 * own time per row; ids and currencies almost never need quoting.
 */
const field = (v: string): string => (v === '' || /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export function copyLine(r: BillRow): string {
  const refundNo = r.outRefundNo === null ? '' : field(r.outRefundNo);
  return `${r.kind},${field(r.channelTradeNo)},${field(r.outTradeNo)},${refundNo},${r.amount},${field(r.currency)},${r.finishedAt.toISOString()}\n`;
}

export async function dropStaging(pool: Pool, runId: string): Promise<void> {
  // With the bulk path's tables (bill-csv-load.ts): the raw one a failed load left, the parts.
  await pool.query(dropBillTables(runId));
}

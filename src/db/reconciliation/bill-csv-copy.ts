import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BillCsv } from '../../channels/channel-port';
import { lit } from './bill-csv-sql';

/** Where a run of the bill's records went: `rows` records of `part`, from its record `first` (1-based). */
export interface Placement {
  part: number;
  first: number;
  rows: number;
  /** Records of the bill before this run. */
  before: number;
}

/**
 * The bill's records through one COPY per table at once (PostgreSQL's CSV parse is most of a load's CPU:
 * on two connections it runs in two backends, on two cores). Each chunk of whole records goes to the
 * COPY with the least waiting, so a slower backend gets less; the placements say which records went
 * where, to number a part's rows in file order (fileRowsSql) and to name the row a COPY failed on.
 */
export async function copyInParts(
  pool: Pool,
  tables: string[],
  bill: BillCsv,
  onProgress: (rowsRead: number) => void | Promise<void>,
  progressEvery: number,
): Promise<{ rowsRead: number; placed: Placement[] }> {
  const clients: PoolClient[] = [];
  const placed: Placement[] = [];
  let rowsRead = 0;
  // A connection whose COPY was destroyed mid-stream is in no state to serve anyone: closed, not pooled.
  let broken = false;
  try {
    for (const _ of tables) clients.push(await pool.connect());
    const sql = (t: string) => `COPY ${t} FROM STDIN (FORMAT csv, ENCODING ${lit(bill.encoding)})`;
    const copies = clients.map((c, i) => c.query(copyFrom(sql(tables[i]!))));
    const errors: unknown[] = [];
    const done = copies.map((copy) => finished(copy).catch((err: unknown) => void errors.push(err)));
    const sent = copies.map(() => 0);
    const sentBytes = copies.map(() => 0);
    try {
      for await (const chunk of bill.data) {
        if (errors.length > 0) break;
        if (chunk.rows === 0) continue;
        const i = leastWaiting(copies, sentBytes);
        sentBytes[i]! += chunk.bytes.length;
        const last = placed.at(-1);
        if (last?.part === i + 1) last.rows += chunk.rows;
        else placed.push({ part: i + 1, first: sent[i]! + 1, rows: chunk.rows, before: rowsRead });
        sent[i]! += chunk.rows;
        const before = rowsRead;
        rowsRead += chunk.rows;
        if (!copies[i]!.write(chunk.bytes) && copies.every((c) => c.writableNeedDrain))
          await Promise.race([...copies.map((c) => once(c, 'drain')), ...done]);
        if (Math.floor(rowsRead / progressEvery) > Math.floor(before / progressEvery))
          await onProgress(rowsRead);
      }
    } catch (err) {
      errors.push(err);
    }
    broken = errors.length > 0;
    if (broken) for (const copy of copies) copy.destroy();
    else for (const copy of copies) copy.end();
    await Promise.all(done);
    if (errors.length > 0) throw copyError(errors[0], placed);
    // The records we counted are the rows PostgreSQL read, or the two readers disagree on the file.
    copies.forEach((copy, i) => {
      if (copy.rowCount !== sent[i])
        throw new Error(`bill: COPY read ${copy.rowCount} rows, ${sent[i]} sent`);
    });
    return { rowsRead, placed };
  } finally {
    for (const c of clients) c.release(broken);
  }
}

/** The COPY with the least waiting to be sent; of those with none, the one sent the fewest bytes. */
function leastWaiting(copies: Array<{ writableLength: number }>, sentBytes: number[]): number {
  let best = 0;
  copies.forEach((c, i) => {
    const b = copies[best]!.writableLength;
    if (c.writableLength < b || (c.writableLength === b && sentBytes[i]! < sentBytes[best]!)) best = i;
  });
  return best;
}

/**
 * The rows of the parts (`tables`, in part order) with their record number in the bill (`n`), from
 * the placements: COPY keeps the order, and so does a fresh table's ctid.
 */
export function fileRowsSql(tables: string[], placed: Placement[]): string {
  const map = placed.map((p) => `(${p.part}, ${p.first}, ${p.first + p.rows - 1}, ${p.before})`).join(', ');
  const parts = tables
    .map((t, i) => `SELECT *, ${i + 1} AS part, row_number() OVER (ORDER BY ctid) AS k FROM ${t}`)
    .join(' UNION ALL ');
  return `SELECT r.*, m.before + r.k - m.first + 1 AS n
  FROM (${parts}) r
  JOIN (VALUES ${map || '(0, 0, 0, 0)'}) m (part, first, last, before) ON m.part = r.part AND r.k BETWEEN m.first AND m.last`;
}

/** COPY names the line it failed on ("COPY recon_raw_…_2, line 7"): say which bill row that is. */
function copyError(err: unknown, placed: Placement[]): unknown {
  const where = (err as { where?: unknown }).where;
  const m = typeof where === 'string' ? /_(\d+), line (\d+)/.exec(where) : null;
  if (!m || !(err instanceof Error)) return err;
  const [part, line] = [Number(m[1]), Number(m[2])];
  const p = placed.find((x) => x.part === part && line >= x.first && line < x.first + x.rows);
  const row = p ? p.before + line - p.first + 1 : line;
  return new Error(`bill row ${row} is malformed: ${err.message} (${where as string})`);
}

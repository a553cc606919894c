// npm run bench:recon: a 1,000,000-row bill in Alipay's real format (zip of GBK CSVs) against a record of
// the same day, through the reconciliation activities (load with COPY, match in SQL). Prints rows/s, the
// run's time, and the ratio to plain COPYs of the same rows. BENCH_RECON_ROWS overrides the size.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createReconciliationActivities } from '../src/activities/reconciliation-activities';
import { readAlipayBillCsv } from '../src/channels/alipay/alipay-bill-csv';
import { readAlipayBillZip } from '../src/channels/alipay/alipay-bill-zip';
import type { ChannelPort } from '../src/channels/channel-port';
import type { ChannelRegistry } from '../src/channels/channel-registry';
import { alipayBillZip } from '../src/channels/sandbox/bill-file';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { ReconciliationRepository } from '../src/db/reconciliation/run-repository';
import { copyLine } from '../src/db/reconciliation/staging';
import { DEFAULT_DEMO_KEYS, seedDemo } from '../src/db/seed';
import { beijingDayBounds } from '../src/domain/reconciliation';
import { startPostgres } from '../scripts/lib/postgres';
import { freePort } from '../scripts/lib/proc';
import { billEntriesFor, EXPECTED, insertLocalDay } from './recon-data';

const N = Number(process.env.BENCH_RECON_ROWS ?? 1_000_000);
const DAY = '2026-11-30';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-recon-'));
  const pg = process.env.DATABASE_URL
    ? null
    : await startPostgres({ dataDir: join(work, 'pg'), port: await freePort(), ephemeral: true });
  const pool = createPool(process.env.DATABASE_URL ?? pg!.url, 6);
  try {
    await migrate(pool);
    await seedDemo(pool, DEFAULT_DEMO_KEYS, 'test');
    const channel = `bench${Date.now() % 1_000_000}`;
    const { start } = beijingDayBounds(DAY);
    let t = Date.now();
    await insertLocalDay(pool, channel, N, start);
    // As a day's record is by reconciliation time: vacuumed and flushed, not a million rows inserted a
    // moment ago (autovacuum and the checkpointer would otherwise compete with the timed run).
    await pool.query('VACUUM (ANALYZE) payments, payment_attempts, refunds');
    await pool.query('CHECKPOINT').catch(() => undefined); // not every role may
    const zipPath = join(work, 'bill.csv.zip');
    await pipeline(
      alipayBillZip({ pid: '2088000000000001', day: DAY, exportedAt: new Date() }, billEntriesFor(N, start)),
      createWriteStream(zipPath),
    );
    console.log(`setup: ${N} record payments and the bill zip in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const port = {
      name: channel,
      billRows: () => readAlipayBillZip(zipPath),
      billCsv: () => readAlipayBillCsv(zipPath),
    } as unknown as ChannelPort;
    const channels: ChannelRegistry = {
      get: () => port,
      has: () => true,
      names: () => [channel],
      kindOf: () => 'alipay',
    };
    const acts = createReconciliationActivities({
      pool,
      channels,
      orphanPolicy: 'OPEN',
      deliverNotice: async () => undefined,
    });
    const env = new MockActivityEnvironment();
    const { runId } = await acts.beginRun({
      workflowId: `bench-${channel}`,
      channel,
      billDate: DAY,
      reason: 'bench',
      rerunOf: null,
    });
    const run = { runId, channel, billDate: DAY };

    t = Date.now();
    const { rowsRead } = await env.run<[typeof run], { rowsRead: number }, typeof acts.loadBill>(
      (i) => acts.loadBill(i),
      run,
    );
    const loadMs = Date.now() - t;
    const { summary } = await env.run<[typeof run], { summary: unknown }, typeof acts.matchRun>(
      (i) => acts.matchRun(i),
      run,
    );
    const runMs = Date.now() - t;
    const diffs = await new ReconciliationRepository(pool).differences(runId);
    await acts.finishRun({ runId, status: 'COMPLETED' });

    const plain = await plainCopies(pool, zipPath);
    const found: Record<string, number> = {};
    for (const d of diffs) found[d.type] = (found[d.type] ?? 0) + 1;
    const exact =
      JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(EXPECTED).sort());
    console.log(`bill rows: ${rowsRead}; summary: ${JSON.stringify(summary)}`);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `load (unzip + GBK + COPY + staging SQL + checks): ${s(loadMs)}; match: ${s(runMs - loadMs)}`,
    );
    console.log(`run: ${s(runMs)}, ${Math.round(rowsRead / (runMs / 1000))} rows/s (target <= 10 s)`);
    console.log(
      `plain COPY of the bill's detail rows as they are (decoded, from memory, all columns as text): ${s(plain.rawMs)}; ` +
        `run / COPY = ${(runMs / plain.rawMs).toFixed(2)} (target <= 2)`,
    );
    console.log(
      `plain COPY of the same rows as their GBK bytes (COPY … ENCODING 'GBK'): ${s(plain.gbkMs)}; ` +
        `run / that = ${(runMs / plain.gbkMs).toFixed(2)}`,
    );
    console.log(
      `plain COPY of the same rows already parsed (7 columns): ${s(plain.parsedMs)}; run / that = ${(runMs / plain.parsedMs).toFixed(2)}`,
    );
    console.log(
      `differences: ${JSON.stringify(found)}; expected ${JSON.stringify(EXPECTED)}: ${exact ? 'exactly the sprinkled ones' : 'MISMATCH'}`,
    );
    if (!exact) process.exitCode = 1;
  } finally {
    await pool.end();
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The baselines, each one COPY from memory into an UNLOGGED table: the bill's detail rows as they are
 * (decoded, all columns, as text: "loading the same rows with a plain COPY"), and the same rows parsed
 * into the staging table's 7 columns.
 */
async function plainCopies(
  pool: Pool,
  zipPath: string,
): Promise<{ rawMs: number; gbkMs: number; parsedMs: number }> {
  const bill = await readAlipayBillCsv(zipPath);
  const bytes: Buffer[] = [];
  for await (const chunk of bill.data) bytes.push(chunk.bytes);
  const columns = bill.header.map((_, i) => `c${i + 1} text`).join(', ');
  await pool.query(`CREATE UNLOGGED TABLE bench_plain_raw (${columns})`);
  const gbkMs = await timedCopy(pool, `COPY bench_plain_raw FROM STDIN (FORMAT csv, ENCODING 'GBK')`, bytes);
  await pool.query('TRUNCATE bench_plain_raw');
  const text = bytes.map((b) => iconv.decode(b, 'gbk'));
  bytes.length = 0;
  const rawMs = await timedCopy(pool, 'COPY bench_plain_raw FROM STDIN (FORMAT csv)', text);
  await pool.query('DROP TABLE bench_plain_raw');
  text.length = 0;

  const lines: string[] = [];
  let batch: string[] = [];
  for await (const r of readAlipayBillZip(zipPath)) {
    batch.push(copyLine(r));
    if (batch.length < 5000) continue;
    lines.push(batch.join(''));
    batch = [];
  }
  lines.push(batch.join(''));
  await pool.query('CREATE UNLOGGED TABLE bench_plain_copy (LIKE reconciliation_staging_template)');
  const parsedMs = await timedCopy(
    pool,
    'COPY bench_plain_copy (kind, channel_trade_no, out_trade_no, out_refund_no, amount, currency, finished_at) FROM STDIN (FORMAT csv)',
    lines,
  );
  await pool.query('DROP TABLE bench_plain_copy');
  return { rawMs, gbkMs, parsedMs };
}

async function timedCopy(pool: Pool, sql: string, chunks: Array<string | Buffer>): Promise<number> {
  const client = await pool.connect();
  try {
    const t = Date.now();
    await pipeline(Readable.from(chunks), client.query(copyFrom(sql)));
    return Date.now() - t;
  } finally {
    client.release();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// npm run bench:recon: a 1,000,000-row bill in Alipay's real format (zip of GBK CSVs) against a record of
// the same day, through the reconciliation activities (load with COPY, match in SQL). Prints rows/s, the
// run's time, and the ratio to a plain COPY of the same rows. BENCH_RECON_ROWS overrides the size.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { from as copyFrom } from 'pg-copy-streams';
import { createReconciliationActivities } from '../src/activities/reconciliation-activities';
import { readAlipayBillZip } from '../src/channels/alipay/alipay-bill-zip';
import type { BillRow, ChannelPort } from '../src/channels/channel-port';
import type { ChannelRegistry } from '../src/channels/channel-registry';
import { alipayBillZip } from '../src/channels/sandbox/bill-file';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { ReconciliationRepository } from '../src/db/reconciliation/run-repository';
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
    await pool.query('ANALYZE payments; ANALYZE payment_attempts; ANALYZE refunds');
    const zipPath = join(work, 'bill.csv.zip');
    await pipeline(
      alipayBillZip({ pid: '2088000000000001', day: DAY, exportedAt: new Date() }, billEntriesFor(N, start)),
      createWriteStream(zipPath),
    );
    console.log(`setup: ${N} record payments and the bill zip in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const port = { name: channel, billRows: () => readAlipayBillZip(zipPath) } as unknown as ChannelPort;
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

    // The baseline: the same rows, already parsed, through one plain COPY into an UNLOGGED table.
    const rows: BillRow[] = [];
    for await (const r of readAlipayBillZip(zipPath)) rows.push(r);
    await pool.query(
      'CREATE UNLOGGED TABLE IF NOT EXISTS bench_plain_copy (LIKE reconciliation_staging_template)',
    );
    await pool.query('TRUNCATE bench_plain_copy');
    t = Date.now();
    const client = await pool.connect();
    try {
      async function* csv(): AsyncGenerator<string> {
        for (let i = 0; i < rows.length; i += 5000) {
          yield stringify(
            rows
              .slice(i, i + 5000)
              .map((r) => [
                r.kind,
                r.channelTradeNo,
                r.outTradeNo,
                r.outRefundNo,
                r.amount,
                r.currency,
                r.finishedAt.toISOString(),
              ]),
          );
        }
      }
      await pipeline(
        Readable.from(csv()),
        client.query(copyFrom('COPY bench_plain_copy FROM STDIN (FORMAT csv)')),
      );
    } finally {
      client.release();
    }
    const copyMs = Date.now() - t;
    await pool.query('DROP TABLE bench_plain_copy');

    const found: Record<string, number> = {};
    for (const d of diffs) found[d.type] = (found[d.type] ?? 0) + 1;
    const exact =
      JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(EXPECTED).sort());
    console.log(`bill rows: ${rowsRead}; summary: ${JSON.stringify(summary)}`);
    console.log(
      `load (unzip + GBK + CSV parse + COPY): ${(loadMs / 1000).toFixed(2)} s; match: ${((runMs - loadMs) / 1000).toFixed(2)} s`,
    );
    console.log(
      `run: ${(runMs / 1000).toFixed(2)} s, ${Math.round(rowsRead / (runMs / 1000))} rows/s (target <= 10 s)`,
    );
    console.log(
      `plain COPY of the same rows: ${(copyMs / 1000).toFixed(2)} s; run / COPY = ${(runMs / copyMs).toFixed(2)} (target <= 2)`,
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

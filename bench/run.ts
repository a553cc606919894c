// `npm run bench`: N sim_success payments through the whole local stack (HTTP API → Temporal → sandbox
// channel → notify → SUCCEEDED), then the same number of no-op skeleton workflows on the same server, then a
// full refund through HTTP of each succeeded bench payment (at most BENCH_REFUNDS, default min(N, 1000)).
// Env: BENCH_N (default 2000), BENCH_CONCURRENCY (default 50), BENCH_REFUNDS.
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTemporalCli } from '../scripts/lib/temporal-cli';
import { bundleQuietly, bundleToFile } from '../scripts/lib/workflow-bundle';
import { freePort, startTemporalDevServer } from '../scripts/lib/temporal-dev-server';
import { startPostgres } from '../scripts/lib/postgres';
import { buildApi } from '../src/api/app';
import { createChannelRegistry } from '../src/channels/channel-registry';
import { sandboxAccountConfigs, sandboxWechatAccountConfig } from '../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer } from '../src/channels/sandbox/sandbox-server';
import { PaymentClient } from '../src/client/payment-client';
import { migrate } from '../src/db/migrate';
import { PaymentRepository } from '../src/db/payment-repository';
import { createPool } from '../src/db/pool';
import { DEFAULT_DEMO_KEYS, seedDemo } from '../src/db/seed';
import { createPaymentWorker } from '../src/worker/create-worker';
import { benchRefunds } from './refunds';
import { createSkeletonActivities } from './skeleton-activities';
import { skeletonCreate, skeletonNotify, type skeletonWorkflow } from './skeleton-workflow';
import { fmt, RssSampler, runPool, summarize, type Figures } from './stats';
import { benchPaymentLoad } from './payment-load';

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const REFUNDS = Number(process.env.BENCH_REFUNDS ?? Math.min(N, 1000));
const NOTIFY_DELAY_MS = 200; // the sandbox's buyer pays ~0.2 s after the trade is created

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const dataDir = join(root, '.data', 'bench');
  mkdirSync(dataDir, { recursive: true });
  // A fresh cluster every run (an interrupted run may have left one): the history tables refuse TRUNCATE.
  rmSync(join(dataDir, 'postgres'), { recursive: true, force: true });
  const pg = await startPostgres({
    dataDir: join(dataDir, 'postgres'),
    port: await freePort(),
    ephemeral: true,
  });
  const temporal = await startTemporalDevServer({
    cliPath: await resolveTemporalCli(),
    port: await freePort(),
    uiPort: await freePort(),
  });
  const pool = createPool(pg.url, 20);
  await migrate(pool);
  await seedDemo(pool, DEFAULT_DEMO_KEYS, 'bench');
  const sandbox = await startSandboxServer({ port: 0, dataDir, payDelayMs: NOTIFY_DELAY_MS });
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const channels = createChannelRegistry([
    ...sandboxAccountConfigs({ sandboxUrl: sandbox.url, notifyBaseUrl: apiUrl, dataDir }),
    sandboxWechatAccountConfig({ wechatUrl: sandbox.wechat.url, notifyBaseUrl: apiUrl, dataDir }),
  ]);
  const { worker, connection: wconn } = await createPaymentWorker({
    temporalAddress: temporal.address,
    pool,
    channels,
    workflowBundlePath: await bundleToFile(
      require.resolve('../src/workflows/index'),
      join(dataDir, 'workflow-bundle.js'),
    ),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new PaymentClient(new Client({ connection }), { records: new PaymentRepository(pool) });
  const app = await buildApi({ pool, client, channels });
  await app.listen({ host: '127.0.0.1', port: apiPort });

  console.log(
    `bench: ${N} payments, concurrency ${CONCURRENCY}, 2 cores, sandbox pays after ${NOTIFY_DELAY_MS} ms`,
  );
  const rss = new RssSampler();
  const payments = await benchPaymentLoad(apiUrl, pool, {
    n: N,
    concurrency: CONCURRENCY,
    prefix: 'B',
    method: { type: 'bank_card', token: 'sim_success' },
  });
  const memory = rss.stop();
  const skeleton = await benchSkeleton(temporal.address);
  // After the skeleton run, so the payments/skeleton comparison is measured exactly as before.
  const refunds = await benchRefunds(apiUrl, pool, payments.paid.slice(0, REFUNDS), CONCURRENCY);
  const wechat = await benchPaymentLoad(apiUrl, pool, {
    n: N,
    concurrency: CONCURRENCY,
    prefix: 'BW',
    channel: 'sandbox_wechat',
    method: { type: 'wallet', token: 'sim_success' },
  });

  console.log('\nresults');
  console.log(
    `  payments  throughput ${fmt(payments.throughput)} /s  create p50 ${fmt(payments.createP50)} ms  p95 ${fmt(payments.createP95)} ms  p99 ${fmt(payments.createP99)} ms  create→SUCCEEDED p50 ${fmt(payments.doneP50)} ms  p99 ${fmt(payments.doneP99)} ms  (${payments.succeeded}/${N} succeeded)`,
  );
  console.log(
    `  wechat    throughput ${fmt(wechat.throughput)} /s  create p50 ${fmt(wechat.createP50)} ms  p95 ${fmt(wechat.createP95)} ms  p99 ${fmt(wechat.createP99)} ms  create→SUCCEEDED p50 ${fmt(wechat.doneP50)} ms  p99 ${fmt(wechat.doneP99)} ms  (${wechat.succeeded}/${N} succeeded on sandbox_wechat)`,
  );
  console.log(
    `  refunds   throughput ${fmt(refunds.throughput)} /s  create p50 ${fmt(refunds.createP50)} ms  p95 ${fmt(refunds.createP95)} ms  p99 ${fmt(refunds.createP99)} ms  create→SUCCEEDED p50 ${fmt(refunds.doneP50)} ms  p99 ${fmt(refunds.doneP99)} ms  (${refunds.succeeded}/${refunds.requested} succeeded)`,
  );
  console.log(
    `  skeleton  throughput ${fmt(skeleton.throughput)} /s  create p50 ${fmt(skeleton.createP50)} ms  p95 ${fmt(skeleton.createP95)} ms  p99 ${fmt(skeleton.createP99)} ms  create→done p50 ${fmt(skeleton.doneP50)} ms  p99 ${fmt(skeleton.doneP99)} ms`,
  );
  console.log(
    `  ratio payments/skeleton throughput ${(payments.throughput / skeleton.throughput).toFixed(2)}`,
  );
  console.log(
    `  worker peak RSS ${memory.peakMb} MB with the ${N} bench payments in flight (one process: worker, API, sandbox, load generator; ${memory.startMb} MB before them)`,
  );
  console.log(`  targets: ≥ 50 payments/s, ratio ≥ 0.7, create p99 ≤ 150 ms`);

  await app.close();
  worker.shutdown();
  await running;
  await wconn.close();
  await connection.close();
  await sandbox.close();
  await pool.end();
  await temporal.stop();
  await pg.stop();
  rmSync(join(dataDir, 'postgres'), { recursive: true, force: true });
}

async function benchSkeleton(address: string): Promise<Figures> {
  const finished = new Map<string, number>();
  const conn = await (await import('@temporalio/worker')).NativeConnection.connect({ address });
  const bundle = await bundleQuietly(require.resolve('./skeleton-workflow'));
  const worker = await Worker.create({
    connection: conn,
    taskQueue: 'bench-skeleton',
    workflowBundle: bundle,
    activities: createSkeletonActivities((id) => finished.set(id, Date.now())),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const ids = Array.from({ length: N }, (_, i) => `skeleton-${Date.now().toString(36)}-${i}`);
  const sentAt = new Map<string, number>();
  const createMs: number[] = [];
  const t0 = Date.now();
  await runPool(ids, CONCURRENCY, async (id) => {
    const start = Date.now();
    sentAt.set(id, start);
    await client.workflow.executeUpdateWithStart(skeletonCreate, {
      args: [id],
      startWorkflowOperation: new WithStartWorkflowOperation<typeof skeletonWorkflow>('skeletonWorkflow', {
        workflowId: id,
        taskQueue: 'bench-skeleton',
        args: [id],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    createMs.push(Date.now() - start);
    // The "channel notify", after the same delay as the sandbox's buyer.
    setTimeout(
      () =>
        void client.workflow
          .getHandle(id)
          .signal(skeletonNotify)
          .catch(() => undefined),
      NOTIFY_DELAY_MS,
    );
  });
  for (const end = Date.now() + 300_000; finished.size < N && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 100));
  worker.shutdown();
  await running;
  await conn.close();
  await connection.close();
  return summarize(
    t0,
    createMs,
    [...finished].map(([id, at]) => [sentAt.get(id) ?? 0, at]),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// `npm start`: the whole local stack in the foreground — PostgreSQL, Temporal dev server + UI, the sandbox
// channel, a worker and the HTTP API. Ctrl-C, SIGTERM or the death of the process that started us stops
// all of it within a few seconds, in order: HTTP first, then the worker, then connections, then servers.
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { errorMessage } from '../../scripts/lib/proc';
import { runStopStages, watchParent } from '../../scripts/lib/stop-steps';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import { bundleToFile } from '../../scripts/lib/workflow-bundle';
import { registerSearchAttributes, startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';
import { startPostgres } from '../../scripts/lib/postgres';
import { buildApi } from '../api/app';
import { createChannelRegistry } from '../channels/channel-registry';
import { startSandboxServer } from '../channels/sandbox/sandbox-server';
import { PaymentClient } from '../client/payment-client';
import { loadConfig, workflowOptionsFrom } from '../config/config';
import { migrate } from '../db/migrate';
import { PaymentRepository } from '../db/payment-repository';
import { createPool } from '../db/pool';
import { demoKeysFromEnv, seedDemo } from '../db/seed';
import { createPaymentWorker } from '../worker/create-worker';
import { channelAccountsFor } from './channel-accounts';
import { stopStages, type Parts } from './local-stack-stop';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.NODE_ENV === 'production') {
    throw new Error('npm start runs the local stack with demo keys; it refuses NODE_ENV=production');
  }
  // We order the worker's shutdown ourselves (after HTTP); the SDK's own signal handler would start it at once.
  Runtime.install({ shutdownSignals: [] });
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const parts: Parts = {};
  let stopping: Promise<never> | undefined;
  const shutdown = (code: number, why: string): Promise<never> =>
    (stopping ??= (async () => {
      console.log(`\nstopping (${why})…`);
      // Work cut off by the stop (a request still retrying a Temporal call, say) must not end us before
      // the servers are down.
      const ignore = (err: unknown): void => console.error(`  ignored while stopping: ${errorMessage(err)}`);
      process.on('unhandledRejection', ignore);
      process.on('uncaughtException', ignore);
      // A last resort: exiting runs the children's kill-on-exit safety nets.
      setTimeout(() => process.exit(code || 1), 15_000).unref();
      const started = Date.now();
      await runStopStages(stopStages(parts));
      console.log(`stopped in ${Date.now() - started} ms`);
      process.exit(code);
    })());
  // Kept for repeats: a second signal must not kill us halfway (the stop is bounded in time anyway).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) console.log(`(${signal}: already stopping)`);
      void shutdown(0, signal);
    });
  }
  watchParent(() => void shutdown(0, 'the process that started npm start is gone'));

  try {
    // Bundled here, quietly, while the servers start (the worker would print webpack's whole report),
    // unless WORKFLOW_BUNDLE names one already built (the tests').
    const bundling = process.env.WORKFLOW_BUNDLE
      ? Promise.resolve(process.env.WORKFLOW_BUNDLE)
      : bundleToFile(require.resolve('../workflows/index'), join(dataDir, 'workflow-bundle.js'));
    bundling.catch(() => undefined); // awaited below; not unhandled if start-up fails first

    const pg = await startPostgres({ dataDir: join(dataDir, 'postgres'), port: port('POSTGRES_PORT', 5433) });
    parts.pg = pg;

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let uiUrl = 'the Temporal UI of your cluster';
    let cliPath = '(not used: TEMPORAL_ADDRESS is set)';
    if (temporalAddress) {
      await registerSearchAttributes(temporalAddress, { namespace: config.TEMPORAL_NAMESPACE });
    } else {
      cliPath = await resolveTemporalCli();
      const server = await startTemporalDevServer({
        cliPath,
        port: port('TEMPORAL_PORT', 7233),
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: join(dataDir, 'temporal.db'),
      });
      parts.temporal = server;
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    }

    const pool = createPool(pg.url);
    parts.pool = pool;
    await migrate(pool);
    await seedDemo(pool, demoKeysFromEnv(process.env), config.NODE_ENV);

    // Its books survive restarts of the stack, as a real channel's do.
    const sandbox = await startSandboxServer({
      port: config.SANDBOX_PORT,
      dataDir,
      journalFile: join(dataDir, 'sandbox-journal.jsonl'),
    });
    parts.sandbox = sandbox;

    const channels = createChannelRegistry(
      channelAccountsFor({ ...config, SANDBOX_URL: config.SANDBOX_URL ?? sandbox.url }, sandbox.wechat.url),
    );
    const bundlePath = await bundling;
    const created = await createPaymentWorker({
      temporalAddress,
      namespace: config.TEMPORAL_NAMESPACE,
      pool,
      channels,
      workflowBundlePath: bundlePath,
    });
    const { worker, connection: workerConnection, sweeper } = created;
    const running = worker.run();
    running.catch(() => undefined); // a failure is reported where it is awaited (below, or by the stop step)
    parts.worker = {
      worker,
      running,
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await sweeper.stop();
        await workerConnection.close();
      },
    };

    const connection = await Connection.connect({ address: temporalAddress });
    parts.connection = connection;
    const client = new PaymentClient(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), {
      records: new PaymentRepository(pool),
      workflowOptions: workflowOptionsFrom(config),
    });
    const app = await buildApi({ pool, client, channels });
    parts.app = app;
    await app.listen({ host: config.HOST, port: config.PORT });

    printBanner({
      api: `http://${config.HOST}:${config.PORT}`,
      uiUrl,
      temporalAddress,
      cliPath,
      pgUrl: pg.url,
      sandboxUrl: `${sandbox.url}   (sandbox_wechat: ${sandbox.wechat.url})`,
    });
    const outcome = await running.then(
      () => 'stopped',
      (err: unknown) => `failed: ${errorMessage(err)}`,
    );
    if (!stopping) await shutdown(1, `the worker ${outcome}`);
  } catch (err) {
    if (stopping) return;
    console.error(`\nstart-up failed: ${errorMessage(err)}`);
    await shutdown(1, 'start-up failed');
  }
}

function printBanner(a: {
  api: string;
  uiUrl: string;
  temporalAddress: string;
  cliPath: string;
  pgUrl: string;
  sandboxUrl: string;
}): void {
  const cli = relative(process.cwd(), a.cliPath);
  const cliShown = cli.startsWith('..') || isAbsolute(cli) ? a.cliPath : cli;
  const deadline = new Date(Date.now() + 15 * 60_000).toISOString();
  console.log(
    [
      '',
      'Payment service is up:',
      `  API              ${a.api}`,
      `  API docs         ${a.api}/docs   (OpenAPI: ${a.api}/openapi.json)`,
      `  Temporal UI      ${a.uiUrl}`,
      `  Temporal         ${a.temporalAddress}`,
      `  temporal CLI     ${cliShown}`,
      `  Sandbox channel  ${a.sandboxUrl}`,
      `  PostgreSQL       ${a.pgUrl.replace(/:[^:@/]*@/, ':***@')}`,
      '',
      'Try:',
      `  curl -s -X POST ${a.api}/v1/payments -H 'Authorization: Bearer sk_test_demo_merchant' \\`,
      `    -H 'content-type: application/json' -d '{"outTradeNo":"ORDER-1001","amount":1999,"currency":"CNY",` +
        `"subject":"Coffee","orderDeadline":"${deadline}",` +
        `"method":{"type":"bank_card","token":"sim_success"}}'`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

void main();

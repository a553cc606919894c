// `npm start`: the whole local stack in the foreground — PostgreSQL, Temporal dev server + UI, the sandbox
// channel, a worker and the HTTP API. Ctrl-C stops all of it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
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

type Stop = () => Promise<unknown>;

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.NODE_ENV === 'production') {
    throw new Error('npm start runs the local stack with demo keys; it refuses NODE_ENV=production');
  }
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const stops: Stop[] = [];
  const shutdown = async (code: number): Promise<never> => {
    console.log('\nstopping…');
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    const pg = await startPostgres({ dataDir: join(dataDir, 'postgres'), port: 5433 });
    stops.push(() => pg.stop());

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let uiUrl = 'the Temporal UI of your cluster';
    if (temporalAddress) {
      await registerSearchAttributes(temporalAddress, { namespace: config.TEMPORAL_NAMESPACE });
    } else {
      const cliPath = await resolveTemporalCli();
      const server = await startTemporalDevServer({
        cliPath,
        port: 7233,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: join(dataDir, 'temporal.db'),
      });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    }

    const pool = createPool(pg.url);
    stops.push(() => pool.end());
    await migrate(pool);
    await seedDemo(pool, demoKeysFromEnv(process.env), config.NODE_ENV);

    const sandbox = await startSandboxServer({ port: config.SANDBOX_PORT, dataDir });
    stops.push(() => sandbox.close());

    const channels = createChannelRegistry(
      channelAccountsFor({ ...config, SANDBOX_URL: config.SANDBOX_URL ?? sandbox.url }),
    );
    const { worker, connection: workerConnection } = await createPaymentWorker({
      temporalAddress,
      namespace: config.TEMPORAL_NAMESPACE,
      pool,
      channels,
    });
    const running = worker.run();
    stops.push(async () => {
      // The SDK's runtime may already have begun shutting the worker down on the same Ctrl-C.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection.close();
    });

    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    const client = new PaymentClient(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), {
      records: new PaymentRepository(pool),
      workflowOptions: workflowOptionsFrom(config),
    });
    const app = await buildApi({ pool, client, channels });
    await app.listen({ host: config.HOST, port: config.PORT });
    stops.push(() => app.close());

    const api = `http://${config.HOST}:${config.PORT}`;
    console.log(
      [
        '',
        'Payment service is up:',
        `  API              ${api}`,
        `  API docs         ${api}/docs   (OpenAPI: ${api}/openapi.json)`,
        `  Temporal UI      ${uiUrl}`,
        `  Temporal         ${temporalAddress}`,
        `  Sandbox channel  ${sandbox.url}`,
        `  PostgreSQL       ${pg.url.replace(/:[^:@/]*@/, ':***@')}`,
        '',
        'Try:',
        `  curl -s -X POST ${api}/v1/payments -H 'Authorization: Bearer sk_test_demo_merchant' \\`,
        `    -H 'content-type: application/json' -d '{"outTradeNo":"ORDER-1001","amount":1999,"currency":"CNY",` +
          `"subject":"Coffee","orderDeadline":"${new Date(Date.now() + 15 * 60_000).toISOString()}",` +
          `"method":{"type":"bank_card","token":"sim_success"}}'`,
        '',
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
    await running;
  } catch (err) {
    console.error(`\nstart-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();

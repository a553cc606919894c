// Entry point of a payment worker process (docker-compose `worker`, and the tests' killable worker).
import { Runtime } from '@temporalio/worker';
import { watchParent } from '../../scripts/lib/stop-steps';
import { createChannelRegistry } from '../channels/channel-registry';
import { loadConfig } from '../config/config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createPaymentWorker } from '../worker/create-worker';
import { channelAccountsFor } from './channel-accounts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS)
    throw new Error('DATABASE_URL and TEMPORAL_ADDRESS are required');
  // Signals are ours (below): the SDK's own handler would not bound the drain nor stop the rest.
  Runtime.install({ shutdownSignals: [] });
  const pool = createPool(config.DATABASE_URL);
  await migrate(pool);
  const { worker, connection, sweeper } = await createPaymentWorker({
    temporalAddress: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: process.env.TASK_QUEUE,
    pool,
    channels: createChannelRegistry(channelAccountsFor(config)),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE,
  });
  const stop = (why: string): void => {
    if (worker.getState() !== 'RUNNING') return;
    console.log(`worker stopping (${why})`);
    worker.shutdown();
    // A drain stuck on an activity that ignores cancellation must not keep a process manager waiting.
    setTimeout(() => {
      console.error(`worker did not drain within ${DRAIN_LIMIT_MS} ms; exiting`);
      process.exit(1);
    }, DRAIN_LIMIT_MS).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  // A test harness that started us and died: nobody is left to stop us.
  watchParent(() => stop('the process that started the worker is gone'));
  console.log(`worker polling task queue ${worker.options.taskQueue}`);
  await worker.run();
  await sweeper.stop();
  await connection.close();
  await pool.end();
}

const DRAIN_LIMIT_MS = 10_000;

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

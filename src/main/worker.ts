// Entry point of a payment worker process (docker-compose `worker`, and the tests' killable worker).
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
  const pool = createPool(config.DATABASE_URL);
  await migrate(pool);
  const { worker } = await createPaymentWorker({
    temporalAddress: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: process.env.TASK_QUEUE,
    pool,
    channels: createChannelRegistry(channelAccountsFor(config)),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE,
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  console.log(`worker polling task queue ${worker.options.taskQueue}`);
  await worker.run();
  await pool.end();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

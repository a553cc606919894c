// Entry point of the HTTP API process (docker-compose `api`).
import { buildApi } from '../api/app';
import { createChannelRegistry } from '../channels/channel-registry';
import { PaymentClient } from '../client/payment-client';
import { loadConfig, workflowOptionsFrom } from '../config/config';
import { migrate } from '../db/migrate';
import { PaymentRepository } from '../db/payment-repository';
import { createPool } from '../db/pool';
import { assertNoDemoKeysInProduction, demoKeysFromEnv, seedDemo } from '../db/seed';
import { channelAccountsFor } from './channel-accounts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS)
    throw new Error('DATABASE_URL and TEMPORAL_ADDRESS are required');
  const pool = createPool(config.DATABASE_URL);
  await migrate(pool);
  await assertNoDemoKeysInProduction(pool, config.NODE_ENV);
  if (config.NODE_ENV !== 'production') await seedDemo(pool, demoKeysFromEnv(process.env), config.NODE_ENV);
  const client = await PaymentClient.connect(config.TEMPORAL_ADDRESS, {
    namespace: config.TEMPORAL_NAMESPACE,
    records: new PaymentRepository(pool),
    workflowOptions: workflowOptionsFrom(config),
  });
  const app = await buildApi({
    pool,
    client,
    channels: createChannelRegistry(channelAccountsFor(config)),
    logger: true,
  });
  await app.listen({ host: config.HOST, port: config.PORT });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

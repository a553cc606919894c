// A payment worker (as src/main/worker.ts) that SIGKILLs itself right after one activity of type
// CRASH_AFTER_ACTIVITY completed (its writes committed, its result never reported), once: CRASH_MARKER
// names a file that the restarted worker finds.
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { existsSync, writeFileSync } from 'node:fs';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import { loadConfig } from '../../../src/config/config';
import { channelAccountsFor } from '../../../src/main/channel-accounts';
import { createPool } from '../../../src/db/pool';
import { createPaymentWorker } from '../../../src/worker/create-worker';

type Execute = NonNullable<ActivityInboundCallsInterceptor['execute']>;
const activityType = process.env.CRASH_AFTER_ACTIVITY;
const marker = process.env.CRASH_MARKER;

class KillAfterActivity implements ActivityInboundCallsInterceptor {
  async execute(input: Parameters<Execute>[0], next: Parameters<Execute>[1]): Promise<unknown> {
    const result = await next(input);
    if (marker && Context.current().info.activityType === activityType && !existsSync(marker)) {
      writeFileSync(marker, 'killed');
      process.kill(process.pid, 'SIGKILL');
    }
    return result;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const pool = createPool(config.DATABASE_URL!);
  const { worker } = await createPaymentWorker({
    temporalAddress: config.TEMPORAL_ADDRESS!,
    taskQueue: process.env.TASK_QUEUE,
    pool,
    channels: createChannelRegistry(channelAccountsFor(config)),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE,
    interceptors: { activity: [() => ({ inbound: new KillAfterActivity() })] },
  });
  process.once('SIGTERM', () => worker.shutdown());
  console.log(`worker polling task queue ${worker.options.taskQueue}`);
  await worker.run();
  await pool.end();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

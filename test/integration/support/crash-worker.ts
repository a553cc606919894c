// A payment worker (as src/main/worker.ts) that SIGKILLs itself once, right after a chosen activity
// completed (its writes committed, its result never reported): CRASH_AFTER_STATUS_REASON names the
// StatusChange reason of a status write, or CRASH_AFTER_ACTIVITY an activity type. CRASH_MARKER names a file
// that makes it happen once (the restarted worker finds the marker and runs normally).
import { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import { loadConfig } from '../../../src/config/config';
import { channelAccountsFor } from '../../../src/main/channel-accounts';
import { createPool } from '../../../src/db/pool';
import { createPaymentWorker } from '../../../src/worker/create-worker';

type Execute = NonNullable<ActivityInboundCallsInterceptor['execute']>;
const reason = process.env.CRASH_AFTER_STATUS_REASON;
const activityType = process.env.CRASH_AFTER_ACTIVITY;
const marker = process.env.CRASH_MARKER;

function isTrigger(input: Parameters<Execute>[0]): boolean {
  if (activityType) return Context.current().info.activityType === activityType;
  const change = input.args[0] as { reason?: string } | undefined;
  return reason !== undefined && change?.reason === reason;
}

class KillAfterActivity implements ActivityInboundCallsInterceptor {
  async execute(input: Parameters<Execute>[0], next: Parameters<Execute>[1]): Promise<unknown> {
    const result = await next(input);
    if (marker && isTrigger(input) && !existsSync(marker)) {
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

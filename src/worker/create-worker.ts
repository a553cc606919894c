import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createPaymentActivities } from '../activities/payment-activities';
import { createRetryActivities } from '../activities/retry-activities';
import type { ChannelRegistry } from '../channels/channel-registry';
import { LatePaymentRepository } from '../db/late-payment-repository';
import { MerchantRepository } from '../db/merchant-repository';
import { PaymentRepository } from '../db/payment-repository';
import { RetryRuleRepository } from '../db/retry-rule-repository';
import { PAYMENT_TASK_QUEUE } from '../workflows/contract';

export interface WorkerDeps {
  temporalAddress: string;
  namespace?: string;
  taskQueue?: string;
  pool: Pool;
  channels: ChannelRegistry;
  /** A pre-built workflow bundle (tests bundle once per run); otherwise bundled from source at start. */
  workflowBundlePath?: string;
}

/** A worker for payment workflows and their activities, wired to real ports. */
export async function createPaymentWorker(
  deps: WorkerDeps,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: deps.temporalAddress });
  const merchants = new MerchantRepository(deps.pool);
  const activities = {
    ...createPaymentActivities({
      payments: new PaymentRepository(deps.pool),
      merchants,
      latePayments: new LatePaymentRepository(deps.pool),
      channels: deps.channels,
    }),
    ...createRetryActivities({ merchants, retryRules: new RetryRuleRepository(deps.pool) }),
  };
  const worker = await Worker.create({
    connection,
    namespace: deps.namespace ?? 'default',
    taskQueue: deps.taskQueue ?? PAYMENT_TASK_QUEUE,
    activities,
    ...(deps.workflowBundlePath
      ? { workflowBundle: { codePath: deps.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows/index') }),
  });
  return { worker, connection };
}

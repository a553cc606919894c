import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type State as WorkerState, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { withDatabaseRefusals } from '../activities/database-refusals';
import { createNotificationActivities } from '../activities/merchant-notification-activities';
import { createPaymentActivities } from '../activities/payment-activities';
import { createRefundActivities } from '../activities/refund-activities';
import { createRetryActivities } from '../activities/retry-activities';
import type { ChannelRegistry } from '../channels/channel-registry';
import { RefundClient } from '../client/refund-client';
import { LatePaymentRepository } from '../db/late-payment-repository';
import { MerchantRepository } from '../db/merchant-repository';
import { NotificationRepository } from '../db/merchant-notification-repository';
import { PaymentRepository } from '../db/payment-repository';
import { RefundRepository } from '../db/refund-repository';
import { RetryRuleRepository } from '../db/retry-rule-repository';
import { parseScheduleScale } from '../domain/notification-schedule';
import { PAYMENT_TASK_QUEUE } from '../workflows/contract';
import { OutboxSweeper } from './outbox-sweeper';
// Reconciliation (issue 9)
import { createReconciliationActivities } from '../activities/reconciliation-activities';
import { PaymentClient } from '../client/payment-client';
import { parseOrphanPolicy } from '../domain/reconciliation/difference';
import { ensureReconciliationSchedules } from './recon-schedule';
import { RefundSweeper } from './refund-sweeper';

export interface WorkerDeps {
  temporalAddress: string;
  namespace?: string;
  taskQueue?: string;
  pool: Pool;
  channels: ChannelRegistry;
  /** A pre-built workflow bundle (tests bundle once per run); otherwise bundled from source at start. */
  workflowBundlePath?: string;
  /** The Temporal client the outbox sweeper starts delivery workflows with; by default one is connected to temporalAddress (and closed when the sweeper stops). */
  client?: Client;
  /** Merchant notifications; each value defaults to its env variable (see notificationSettingsFromEnv). */
  notifications?: Partial<NotificationSettings>;
  /** The refund sweeper's timings (see refund-sweeper.ts); interval default env REFUND_SWEEP_MS or 5000. */
  refundSweep?: { intervalMs?: number; minAgeMs?: number };
  /** Extra worker interceptors (tests use an activity interceptor to crash the worker at a chosen step). */
  interceptors?: WorkerOptions['interceptors'];
  /** Create/update the daily reconciliation Schedules; default: only for the service's own task queue. */
  reconciliationSchedules?: boolean;
}

export interface NotificationSettings {
  /** Compresses the retry schedule: MERCHANT_NOTIFY_SCHEDULE_SCALE, default 1. */
  scheduleScale: number;
  /** Outbox sweep interval: MERCHANT_NOTIFY_SWEEP_MS, default 500. */
  sweepIntervalMs: number;
  /** HTTP timeout per try: MERCHANT_NOTIFY_TIMEOUT_MS, default 5000. */
  timeoutMs: number;
  /** https and public addresses only: NODE_ENV=production. */
  production: boolean;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function notificationSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  return {
    scheduleScale: parseScheduleScale(env.MERCHANT_NOTIFY_SCHEDULE_SCALE),
    sweepIntervalMs: positiveInt(env, 'MERCHANT_NOTIFY_SWEEP_MS', 500),
    timeoutMs: positiveInt(env, 'MERCHANT_NOTIFY_TIMEOUT_MS', 5_000),
    production: env.NODE_ENV === 'production',
  };
}

/** Worker states in which the outbox sweeper stops with it. */
const ENDING: ReadonlySet<WorkerState> = new Set(['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED', 'FAILED']);

/** A worker for payment workflows and their activities, wired to real ports. */
export async function createPaymentWorker(deps: WorkerDeps): Promise<{
  worker: Worker;
  connection: NativeConnection;
  sweeper: OutboxSweeper;
  refundSweeper: RefundSweeper;
}> {
  const settings = { ...notificationSettingsFromEnv(), ...deps.notifications };
  const namespace = deps.namespace ?? 'default';
  const taskQueue = deps.taskQueue ?? PAYMENT_TASK_QUEUE;
  const connection = await NativeConnection.connect({ address: deps.temporalAddress });
  const merchants = new MerchantRepository(deps.pool);
  const notifications = new NotificationRepository(deps.pool);
  // Reconciliation repairs deliver notices as the notify endpoint does (PaymentClient.notify), with the
  // worker's own Temporal client, which exists only further down: hence the late binding.
  let reconNotify: PaymentClient | null = null;
  // Every database failure that no retry can heal fails its activity for good (database-refusals.ts).
  const activities = withDatabaseRefusals({
    ...createPaymentActivities({
      payments: new PaymentRepository(deps.pool),
      merchants,
      latePayments: new LatePaymentRepository(deps.pool),
      channels: deps.channels,
    }),
    ...createRetryActivities({
      merchants,
      retryRules: new RetryRuleRepository(deps.pool),
      kindOf: (name) => deps.channels.kindOf(name),
    }),
    ...createRefundActivities({ refunds: new RefundRepository(deps.pool), channels: deps.channels }),
    ...createNotificationActivities({
      notifications,
      production: settings.production,
      timeoutMs: settings.timeoutMs,
    }),
    ...createReconciliationActivities({
      pool: deps.pool,
      channels: deps.channels,
      orphanPolicy: parseOrphanPolicy(process.env.RECON_ORPHAN_POLICY),
      deliverNotice: (workflowId, notice, paymentId) => reconNotify!.notify(workflowId, notice, paymentId),
    }),
  });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    activities,
    ...(deps.interceptors ? { interceptors: deps.interceptors } : {}),
    ...(deps.workflowBundlePath
      ? { workflowBundle: { codePath: deps.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows/index') }),
  });

  // The outbox sweeper: starts delivery workflows for committed events (see outbox-sweeper.ts). It stops by
  // itself once the worker shuts down; callers may also stop it (sweeper.stop()).
  const clientConnection = deps.client ? null : await Connection.connect({ address: deps.temporalAddress });
  const client = deps.client ?? new Client({ connection: clientConnection!, namespace });
  // --- Reconciliation (issue 9): the repairs' client, and the daily Schedules (idempotent).
  reconNotify = new PaymentClient(client, { taskQueue, records: new PaymentRepository(deps.pool) });
  if (deps.reconciliationSchedules ?? taskQueue === PAYMENT_TASK_QUEUE) {
    await ensureReconciliationSchedules(client, deps.channels.names(), taskQueue);
  }
  // --- end reconciliation
  // The refund sweeper (refund-sweeper.ts): starts the workflow of a refund reserved while Temporal was down.
  const refundSweeper = new RefundSweeper({
    refunds: new RefundClient(client, deps.pool, { taskQueue }),
    pool: deps.pool,
    intervalMs: deps.refundSweep?.intervalMs ?? positiveInt(process.env, 'REFUND_SWEEP_MS', 5_000),
    minAgeMs: deps.refundSweep?.minAgeMs,
    active: () => !ENDING.has(worker.getState()),
  }).start();

  const sweeper = new OutboxSweeper({
    notifications,
    client,
    taskQueue,
    scheduleScale: settings.scheduleScale,
    intervalMs: settings.sweepIntervalMs,
    active: () => !ENDING.has(worker.getState()),
    onStop: async () => {
      await refundSweeper.stop();
      await clientConnection?.close();
    },
  }).start();
  return { worker, connection, sweeper, refundSweeper };
}

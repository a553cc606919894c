import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { MerchantIdKey, NotificationStatusKey } from '../workflows/contract';
import type { NotificationRepository, UnstartedDelivery } from '../db/merchant-notification-repository';
import { notificationWorkflowId } from '../domain/notification-schedule';
import { PeriodicSweep, type PeriodicSweepOptions } from './periodic-sweep';
import type {
  MerchantNotificationInput,
  merchantNotificationWorkflow,
} from '../workflows/merchant-notification/merchant-notification-workflow';

export interface OutboxSweeperOptions extends PeriodicSweepOptions {
  notifications: NotificationRepository;
  client: Client;
  /** Where delivery workflows run, and which events this sweeper starts first (those written there). */
  taskQueue: string;
  /** Passed to every delivery workflow (env MERCHANT_NOTIFY_SCHEDULE_SCALE). */
  scheduleScale?: number;
  /** Pause between sweeps. */
  intervalMs?: number;
  batchSize?: number;
  /** Events written for another task queue are started here too once they waited this long (that queue may be gone). */
  orphanAfterMs?: number;
}

/**
 * The outbox's second half: starts a delivery workflow (`notify-<eventId>`, or `…-resend-<n>` for a
 * resend) for every PENDING event whose current run has none yet, then marks it started. An event written
 * just before a crash is therefore started by the next sweep; a workflow already started (by another
 * sweeper, or before a crash that lost the mark) is fine, and the derived workflow id with
 * REJECT_DUPLICATE means a run is never started twice.
 */
export class OutboxSweeper extends PeriodicSweep {
  private readonly batchSize: number;
  private readonly orphanAfterMs: number;
  private readonly scheduleScale: number;

  constructor(private readonly opts: OutboxSweeperOptions) {
    super('outbox-sweeper', opts.intervalMs ?? 500, 0, opts);
    this.batchSize = opts.batchSize ?? 100;
    this.orphanAfterMs = opts.orphanAfterMs ?? 60_000;
    this.scheduleScale = opts.scheduleScale ?? 1;
  }

  /** One sweep: starts what is due; returns how many runs it started (or found started). */
  async sweepOnce(): Promise<number> {
    const due = await this.opts.notifications.listUnstarted(
      this.opts.taskQueue,
      this.orphanAfterMs,
      this.batchSize,
    );
    const results = await Promise.allSettled(due.map((d) => this.startRun(d)));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0)
      this.logThrottled(`could not start ${failed.length} delivery workflow(s)`, failed[0]);
    return results.length - failed.length;
  }

  private async startRun(d: UnstartedDelivery): Promise<void> {
    const input: MerchantNotificationInput = {
      eventId: d.id,
      runNo: d.runNo,
      scheduleScale: this.scheduleScale,
    };
    try {
      await this.opts.client.workflow.start<typeof merchantNotificationWorkflow>(
        'merchantNotificationWorkflow',
        {
          workflowId: notificationWorkflowId(d.id, d.runNo),
          taskQueue: this.opts.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { paymentId: d.paymentId, merchantId: d.merchantId, type: d.type },
          typedSearchAttributes: [
            { key: MerchantIdKey, value: d.merchantId },
            { key: NotificationStatusKey, value: 'PENDING' },
          ],
        },
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await this.opts.notifications.markStarted(d.id, d.runNo);
  }
}

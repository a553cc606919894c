import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { RECON_WORKFLOW_TYPE } from '../domain/reconciliation/bill-day';

/** Beijing wall-clock hour of the daily run: Alipay publishes the day before's bill in the morning. */
export const RECON_SCHEDULE_HOUR = 10;
export const reconScheduleId = (channel: string): string => `recon-daily-${channel}`;

/**
 * One Temporal Schedule per channel account: every day at 10:00 Beijing time it starts the reconciliation
 * workflow without a billDate, which then reconciles the Beijing day before its start. Created, or brought
 * up to date, at every worker start: safe to call any number of times.
 */
export async function ensureReconciliationSchedules(
  client: Client,
  channels: string[],
  taskQueue: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const channel of channels) {
    const scheduleId = reconScheduleId(channel);
    const spec = { calendars: [{ hour: RECON_SCHEDULE_HOUR, minute: 0 }], timezone: 'Asia/Shanghai' };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: RECON_WORKFLOW_TYPE,
      args: [{ channel, reason: 'daily schedule' }],
      taskQueue,
      workflowId: `recon-${channel}-daily`,
    };
    try {
      await client.schedule.create({
        scheduleId,
        spec,
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
    }
    ids.push(scheduleId);
  }
  return ids;
}

// The no-op baseline: the same Temporal shape as a sim_success payment (update-with-start, five
// activities: the database writes local, the pay call remote — and one signal), doing nothing, so the ratio
// shows what our own code costs.
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { SkeletonActivities } from './skeleton-activities';

export const skeletonCreate = defineUpdate<string, [string]>('createPayment');
export const skeletonNotify = defineSignal<[]>('channelNotify');

const acts = proxyLocalActivities<SkeletonActivities>({ startToCloseTimeout: '10s' });
const remote = proxyActivities<SkeletonActivities>({ startToCloseTimeout: '10s' });

export async function skeletonWorkflow(id: string): Promise<void> {
  let firstCallDone = false;
  let notified = false;
  setHandler(skeletonCreate, async () => {
    await condition(() => firstCallDone);
    return id;
  });
  setHandler(skeletonNotify, () => void (notified = true));
  await acts.noop('record');
  await acts.noop('start attempt');
  await remote.noop('pay');
  await acts.noop('pay accepted');
  firstCallDone = true;
  await condition(() => notified);
  await acts.done(id); // the 'succeeded' write
}

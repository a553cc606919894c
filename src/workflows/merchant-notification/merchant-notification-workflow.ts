import {
  defineQuery,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/merchant-notification-activities';
import { notificationRetryDelaysMs } from '../../domain/notification-schedule';
import { NotificationStatusKey } from '../contract';

export interface MerchantNotificationInput {
  eventId: string;
  /** The delivery run: 0 = first delivery (`notify-<eventId>`), n = n-th resend (`notify-<eventId>-resend-<n>`). */
  runNo: number;
  /** Compresses the retry schedule (1 = the contract's; env MERCHANT_NOTIFY_SCHEDULE_SCALE). */
  scheduleScale?: number;
}

export type MerchantNotificationOutcome = 'DELIVERED' | 'DEAD' | 'SUPERSEDED';

export interface MerchantNotificationResult {
  eventId: string;
  runNo: number;
  outcome: MerchantNotificationOutcome;
  tries: number;
}

export interface MerchantNotificationState {
  eventId: string;
  runNo: number;
  tries: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  /** Set while the workflow waits for its next try. */
  nextTryInMs: number | null;
  outcome: MerchantNotificationOutcome | null;
}

export const getNotificationDeliveryQuery = defineQuery<MerchantNotificationState>('getNotificationDelivery');

/**
 * The try: a normal activity (it does HTTP). Its own failures (database down…) are retried by Temporal;
 * a refused or failed POST is not a failure but an outcome, retried on the schedule below.
 */
const http = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['NOT_FOUND'] },
});

/** Bookkeeping writes: short, idempotent (CAS on run and status). */
const db = proxyLocalActivities<NotificationActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', nonRetryableErrorTypes: ['NOT_FOUND'] },
});

/**
 * Delivers one merchant notification (one run of it): a try now, then one after each wait of the retry
 * schedule, until a 2xx answer; when the schedule is spent the event is DEAD for operators. The schedule
 * lives in this workflow's timers. A resend starts a new run; an older run then stops at its next try.
 */
export async function merchantNotificationWorkflow(
  input: MerchantNotificationInput,
): Promise<MerchantNotificationResult> {
  const delays = notificationRetryDelaysMs(input.scheduleScale ?? 1);
  const state: MerchantNotificationState = {
    eventId: input.eventId,
    runNo: input.runNo,
    tries: 0,
    lastHttpStatus: null,
    lastError: null,
    nextTryInMs: null,
    outcome: null,
  };
  setHandler(getNotificationDeliveryQuery, () => state);
  const finish = (outcome: MerchantNotificationOutcome): MerchantNotificationResult => {
    state.outcome = outcome;
    upsertSearchAttributes([{ key: NotificationStatusKey, value: outcome }]);
    state.nextTryInMs = null;
    return { eventId: input.eventId, runNo: input.runNo, outcome, tries: state.tries };
  };

  for (let attemptNo = 1; ; attemptNo++) {
    const r = await http.deliverMerchantNotification({
      eventId: input.eventId,
      runNo: input.runNo,
      attemptNo,
    });
    if (r.outcome === 'SUPERSEDED') return finish('SUPERSEDED');
    state.tries = attemptNo;
    state.lastHttpStatus = r.httpStatus;
    state.lastError = r.error;
    if (r.outcome === 'DELIVERED') return finish('DELIVERED');
    const delay = delays[attemptNo - 1];
    if (delay === undefined) break;
    state.nextTryInMs = delay;
    await sleep(delay);
    state.nextTryInMs = null;
  }
  const dead = await db.markMerchantNotificationDead({ eventId: input.eventId, runNo: input.runNo });
  return finish(dead ? 'DEAD' : 'SUPERSEDED');
}

import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RefundActivities } from '../../activities/refund-activities';

/** Database reads and writes: short, idempotent (CAS), local. A CAS conflict or a missing row never heals. */
export const db = proxyLocalActivities<RefundActivities>({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['STALE_STATUS', 'NOT_FOUND'],
  },
});

/**
 * Channel calls: re-entrant by the refund's own request number, so repeating one is safe. After a few
 * tries an activity failure counts as an UNKNOWN answer, settled by the workflow's own query loop.
 */
export const channel = proxyActivities<RefundActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '5s', maximumAttempts: 3 },
});

import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment-activities';
import type { RefundActivities } from '../activities/refund-activities';
import type { RetryActivities } from '../activities/retry-activities';

/**
 * Database writes: retried until they land; a CAS conflict or unknown merchant will never heal, so stop.
 * Local activities: they are short, idempotent (insert-or-nothing, compare-and-set) and safe to re-run after
 * a crash, and running them inside the workflow task saves two round trips to the server per write.
 */
export const db = proxyLocalActivities<PaymentActivities & RetryActivities & RefundActivities>({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['STALE_STATUS', 'NOT_FOUND'],
  },
});

/**
 * The pay call is never blindly repeated: a lost answer is an UNKNOWN attempt, resolved by query. A normal
 * (not local) activity, because a local one is run again when its worker dies before the result is recorded.
 */
export const pay = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

/** Query, close and cancel are safe to repeat; after a few tries the caller treats the answer as unknown. */
export const channel = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '5s', maximumAttempts: 3 },
});

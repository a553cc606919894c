import { proxyActivities } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment-activities';

/** Database writes: retried until they land; a CAS conflict or unknown merchant will never heal, so stop. */
export const db = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['STALE_STATUS', 'NOT_FOUND'],
  },
});

/** The pay call is never blindly repeated: a lost answer is an UNKNOWN attempt, resolved by query. */
export const pay = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

/** Query, close and cancel are safe to repeat; after a few tries the caller treats the answer as unknown. */
export const channel = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '5s', maximumAttempts: 3 },
});

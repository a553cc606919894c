import { ActivityFailure, ApplicationFailure, uuid4, workflowInfo } from '@temporalio/workflow';
import { paymentIdFromUuid } from '../../domain/ids';
import { db } from '../activity-proxies';
import { retryAutomatically } from './auto-retry';
import { payAttempt, startAttempt } from './attempt-steps';
import type { CreateProgress } from './handlers';
import type { PaymentState } from './payment-state';

/**
 * The first run's first steps: record the payment, then make the first channel call. A crash may lose the
 * workflow task after its record writes committed; the retried task then finds the row already there.
 * So the gate is "has attempt 1 had its pay call", read from the record, never "is it still CREATED": an
 * attempt 1 still PROCESSING without a pay outcome (no next action, no channel trade number) gets its
 * pay call now, which the channel answers idempotently by the attempt's trade number.
 */
export async function recordAndPay(s: PaymentState, progress: CreateProgress): Promise<void> {
  const paymentId = paymentIdFromUuid(uuid4());
  let rec;
  try {
    rec = await db.recordPayment({
      create: s.request,
      paymentId,
      workflowId: workflowInfo().workflowId,
      at: new Date().toISOString(),
    });
  } catch (err) {
    progress.failure = asCreateFailure(err);
    return;
  }
  s.adopt(rec.payment);
  s.routes = rec.channels;
  progress.inserted = rec.inserted;
  progress.recorded = true;
  try {
    await firstCall(s, rec.payment.id === paymentId);
  } catch (err) {
    // A write the database refuses for good (e.g. the attempt's method): the create answers, and the
    // workflow fails in front of operators with the payment as far as it got.
    progress.failure = asCreateFailure(err);
    return;
  }
  progress.firstCallDone = true;
}

/** What the create Update answers when the create cannot go on: a contract error where there is one. */
function asCreateFailure(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure)) {
    return ApplicationFailure.nonRetryable(String((cause as Error).message), 'INTERNAL');
  }
  if (cause.type === 'DATABASE_REFUSED')
    return ApplicationFailure.nonRetryable(cause.message, 'VALIDATION_ERROR');
  return cause;
}

async function firstCall(s: PaymentState, ours: boolean): Promise<void> {
  // A row this run did not create (found after the namespace's retention freed the workflow id): answer
  // from it, never pay for it again.
  const first = s.view.attempts[0];
  if (ours && s.status === 'CREATED') {
    if (s.view.amount === 0) {
      await s.move('zero amount: nothing to collect', { payment: 'SUCCEEDED' });
    } else if (Date.now() >= s.deadline) {
      await s.move('order deadline already passed', { payment: 'CLOSED', closeReason: 'EXPIRED' });
    } else {
      await startAttempt(s, s.request.channel ?? s.routes[0] ?? 'sandbox', s.request.method);
    }
  } else if (
    ours &&
    s.view.attempts.length === 1 &&
    first?.status === 'PROCESSING' &&
    first.channelTradeNo === null &&
    s.view.nextAction === null
  ) {
    s.lastMethod = s.request.method;
    s.firstAttemptAt ??= Date.now();
    await payAttempt(s, s.request.method);
  }
  // An automatic retry belongs to the first call: the create answer shows where the payment really stands.
  await retryAutomatically(s);
}

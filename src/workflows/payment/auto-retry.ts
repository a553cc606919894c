import { log } from '@temporalio/workflow';
import { nextChannel } from '../../domain/retry-rules/channel-routing';
import { db } from '../activity-proxies';
import { startAttempt } from './attempt-steps';
import { finalizeAtChannel } from './close-or-reverse';
import type { PaymentState } from './payment-state';

/**
 * After a declined attempt: ask the configured rules whether to retry, and if so move to the next channel
 * account of the merchant's route that has not failed this payment — only once the failed attempt is
 * final at its own channel. The count and total-wait bounds of the rule are enforced here, in the
 * workflow, with workflow time. Without a retry the payment stays AWAITING_RETRY for the buyer.
 */
export async function retryAutomatically(saga: PaymentState): Promise<void> {
  const state = saga.retries;
  while (saga.status === 'AWAITING_RETRY' && Date.now() < saga.deadline) {
    const failed = saga.current;
    if (!failed || failed.status !== 'FAILED') return;
    const method = saga.lastMethod;
    const verdict = await db.decideRetry({
      paymentId: saga.view.id,
      merchantId: saga.view.merchantId,
      channel: failed.channel,
      methodType: method?.type ?? 'unknown',
      brand: method?.brand ?? null,
      currency: saga.view.currency,
      transactionType: saga.request.transactionType,
      source: saga.request.source,
      code: failed.code ?? 'UNKNOWN',
      retriesSoFar: state.retries,
      elapsedMs: Date.now() - (saga.firstAttemptAt ?? Date.now()),
      now: new Date().toISOString(),
    });
    state.lastVerdict = verdict;
    if (!verdict.retry) return;
    const failedChannels = saga.view.attempts.filter((a) => a.status === 'FAILED').map((a) => a.channel);
    // Histories recorded before targets existed replay with the whole route.
    const targets = verdict.targets;
    const routes = targets
      ? saga.routes.filter((r) => r === failed.channel || targets.includes(r))
      : saga.routes;
    const next = nextChannel(routes, failedChannels, failed.channel);
    if (!next) {
      log.info('no channel left to retry at', { paymentId: saga.view.id });
      return;
    }
    if (!(await finalizeAtChannel(saga, failed))) return;
    state.retries += 1;
    log.info('retrying at the next channel', {
      paymentId: saga.view.id,
      channel: next,
      rule: verdict.ruleNo,
    });
    await startAttempt(saga, next, method);
  }
}

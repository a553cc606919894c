import { continueAsNew, log, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { RefundRecord } from '../../domain/refund-record';
import { refundRetryDelayMs, type RefundView } from '../../domain/refund';
import {
  DEFAULT_REFUND_OPTIONS,
  getRefundQuery,
  type RefundProgress,
  type RefundResume,
  type RefundWorkflowInput,
} from './refund-contract';
import { db } from './refund-proxies';
import {
  callChannel,
  describeCall,
  finish,
  indexForOperators,
  queryChannel,
  tellPayment,
} from './refund-steps';

/** Waits per run before continue-as-new keeps the history short (a refund unconfirmed for days). */
const MAX_WAITS_PER_RUN = 200;

/**
 * One refund, from PROCESSING to SUCCEEDED or FAILED. Every channel call carries the refund's own request
 * number (`out_request_no`), the same one for the refund's whole life, operator retries included: a
 * refund the channel already made answers success again and never pays out twice.
 *
 * - SUCCEEDED answer, or a query finding the refund: SUCCEEDED (the payment's refunded amount grows).
 * - Non-retryable refusal: FAILED, releasing the reservation, in the same transaction as the status.
 * - Retryable refusal (the channel says the refund was not made): call again after a backoff, up to
 *   `maxRetryableFailures` times, then FAILED for an operator.
 * - PROCESSING or UNKNOWN (a timeout, a lost answer): confirm by refund query with backoff until final;
 *   a query that finds no such refund calls again with the same number.
 *
 * The run completes with the refund when it SUCCEEDED and fails with `REFUND_FAILED` when it FAILED, so
 * the Temporal UI shows failed refunds as failed workflows; `getRefund` answers the state at any time.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundView> {
  const opts = { ...DEFAULT_REFUND_OPTIONS, ...input.options };
  const resume: RefundResume = input.resume ?? {
    next: 'CALL',
    step: 0,
    retryableFailures: 0,
    channelCalls: 0,
    channelQueries: 0,
  };
  const progress: RefundProgress = {
    refund: null,
    kind: null,
    status: null,
    channel: null,
    outRequestNo: null,
    channelCalls: resume.channelCalls,
    channelQueries: resume.channelQueries,
    retryableFailures: resume.retryableFailures,
    lastAnswer: null,
    nextTryAt: null,
  };
  setHandler(getRefundQuery, () => progress);

  const adopt = (r: RefundRecord): RefundRecord => {
    Object.assign(progress, {
      refund: r.view,
      kind: r.kind,
      status: r.view.status,
      channel: r.channel,
      outRequestNo: r.outRequestNo,
    });
    return r;
  };
  const rec = adopt(await db.loadRefund({ refundId: input.refundId }));
  indexForOperators(rec);

  const complete = async (
    to: 'SUCCEEDED' | 'FAILED',
    reason: string,
    code?: string,
    message?: string,
  ): Promise<RefundView> => {
    const done = adopt(
      await db.completeRefund({
        refundId: rec.view.id,
        to,
        reason,
        code: code ?? null,
        message: message ?? null,
        at: new Date().toISOString(),
      }),
    );
    if (to === 'SUCCEEDED' && done.kind === 'MERCHANT') await tellPayment(done);
    return finish(done);
  };

  if (rec.view.status !== 'PROCESSING') return finish(rec);

  let next = resume.next;
  let step = resume.step;
  for (let waits = 0; ; waits++) {
    if (next === 'CALL') {
      const r = await callChannel(rec);
      progress.channelCalls += 1;
      progress.lastAnswer = describeCall(r);
      if (r.outcome === 'SUCCEEDED') return complete('SUCCEEDED', 'channel: refunded');
      if (r.outcome === 'FAILED' && !r.retryable) {
        return complete('FAILED', 'channel: refused', r.code, r.message);
      }
      if (r.outcome === 'FAILED') {
        progress.retryableFailures += 1;
        if (progress.retryableFailures >= opts.maxRetryableFailures) {
          return complete(
            'FAILED',
            `channel: refused ${progress.retryableFailures} times (retryable); left for an operator`,
            r.code,
            r.message,
          );
        }
        next = 'CALL';
      } else {
        next = 'QUERY'; // PROCESSING or UNKNOWN: the money may be on its way back; never call it failed.
      }
    } else {
      const q = await queryChannel(rec);
      progress.channelQueries += 1;
      progress.lastAnswer = `query: ${q.status}${q.status === 'UNKNOWN' ? ` ${q.code}` : ''}`;
      if (q.status === 'SUCCEEDED') {
        if (q.amount !== rec.view.amount) {
          log.error('channel reports another refund amount', {
            refundId: rec.view.id,
            channelAmount: q.amount,
          });
        }
        return complete(
          'SUCCEEDED',
          'refund query: refunded',
          undefined,
          q.amount === rec.view.amount ? undefined : `channel reports amount ${q.amount}`,
        );
      }
      // No such refund at the channel: the call never landed. Call again, with the same number.
      next = q.status === 'NOT_FOUND' ? 'CALL' : 'QUERY';
    }

    const wait = refundRetryDelayMs(step, { initialMs: opts.retryInitialMs, maxMs: opts.retryMaxMs });
    step += 1;
    progress.nextTryAt = new Date(Date.now() + wait).toISOString();
    await sleep(wait);
    progress.nextTryAt = null;

    if (waits + 1 >= MAX_WAITS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof refundWorkflow>({
        refundId: input.refundId,
        options: input.options,
        resume: {
          next,
          step,
          retryableFailures: progress.retryableFailures,
          channelCalls: progress.channelCalls,
          channelQueries: progress.channelQueries,
        },
      });
    }
  }
}

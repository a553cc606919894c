import {
  ApplicationFailure,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  RefundActivities,
  RefundCallOutcome,
  RefundQueryOutcome,
} from '../activities/refund-activities';
import type { RefundRecord } from '../db/refund-repository';
import { refundRetryDelayMs, type RefundView } from '../domain/refund';
import { paymentWorkflowId } from '../domain/ids';
import { ChannelKey, MerchantIdKey, OutTradeNoKey, RefundStatusKey, refundSettledSignal } from './contract';
import {
  DEFAULT_REFUND_OPTIONS,
  getRefundQuery,
  REFUND_FAILED_ERROR_TYPE,
  type RefundProgress,
  type RefundResume,
  type RefundWorkflowInput,
} from './refund-contract';

/** Database reads and writes: short, idempotent (CAS), local. A CAS conflict or a missing row never heals. */
const db = proxyLocalActivities<RefundActivities>({
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
const channel = proxyActivities<RefundActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '5s', maximumAttempts: 3 },
});

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

/**
 * A merchant refund settled: the payment's workflow, while it still runs, shows the new refundedAmount
 * (its getPayment query and replayed creates answer from its view). A finished one is not told: the
 * record answers for it.
 */
async function tellPayment(r: RefundRecord): Promise<void> {
  const refundedAmount = await db.paymentRefundedAmount({ paymentId: r.view.paymentId });
  try {
    await getExternalWorkflowHandle(paymentWorkflowId(r.merchantId, r.paymentOutTradeNo)).signal(
      refundSettledSignal,
      { refundedAmount },
    );
  } catch (err) {
    log.info('payment workflow not running; refundedAmount is on the record', { error: String(err) });
  }
}

/** SUCCEEDED completes the run with the refund; FAILED fails it (REFUND_FAILED) so operators can filter on it. */
function finish(r: RefundRecord): RefundView {
  upsertSearchAttributes([{ key: RefundStatusKey, value: r.view.status }]);
  if (r.view.status === 'FAILED') {
    throw ApplicationFailure.nonRetryable(
      `refund ${r.view.id} FAILED${r.view.code ? `: ${r.view.code}` : ''}${r.message ? ` (${r.message})` : ''}`,
      REFUND_FAILED_ERROR_TYPE,
      r.view,
    );
  }
  return r.view;
}

/**
 * MerchantId, OutTradeNo (the payment's) and Channel, so a refund is found next to its payment in the
 * Temporal UI. The refund client sets them at start; a child started by the payment workflow may not have
 * them, so they are set here when missing.
 */
function indexForOperators(r: RefundRecord): void {
  const sa = workflowInfo().typedSearchAttributes;
  const wanted = [
    { key: MerchantIdKey, value: r.merchantId },
    { key: OutTradeNoKey, value: r.paymentOutTradeNo },
    { key: ChannelKey, value: r.channel },
    { key: RefundStatusKey, value: r.view.status },
  ];
  const missing = wanted.filter((p) => sa.get(p.key) !== p.value);
  if (missing.length > 0) upsertSearchAttributes(missing);
}

async function callChannel(r: RefundRecord): Promise<RefundCallOutcome> {
  try {
    return await channel.channelRefund({
      channel: r.channel,
      outTradeNo: r.channelOutTradeNo,
      outRequestNo: r.outRequestNo,
      amount: r.view.amount,
      currency: r.view.currency,
      ...(r.view.reason ? { reason: r.view.reason } : {}),
    });
  } catch (err) {
    // The call may have reached the channel: resolve by query, never by guessing.
    return { outcome: 'UNKNOWN', code: 'REFUND_CALL_FAILED', message: String((err as Error).message) };
  }
}

async function queryChannel(r: RefundRecord): Promise<RefundQueryOutcome> {
  try {
    return await channel.channelRefundQuery({
      channel: r.channel,
      outTradeNo: r.channelOutTradeNo,
      outRequestNo: r.outRequestNo,
    });
  } catch (err) {
    return { status: 'UNKNOWN', code: 'REFUND_QUERY_FAILED', message: String((err as Error).message) };
  }
}

function describeCall(r: RefundCallOutcome): string {
  switch (r.outcome) {
    case 'SUCCEEDED':
    case 'PROCESSING':
      return `refund: ${r.outcome}`;
    case 'FAILED':
      return `refund: FAILED ${r.code}${r.retryable ? ' (retryable)' : ''}`;
    case 'UNKNOWN':
      return `refund: UNKNOWN ${r.code}`;
  }
}

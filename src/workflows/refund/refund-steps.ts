import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RefundCallOutcome, RefundQueryOutcome } from '../../activities/refund-activities';
import { paymentWorkflowId } from '../../domain/ids';
import type { RefundView } from '../../domain/refund';
import type { RefundRecord } from '../../domain/refund-record';
import { ChannelKey, MerchantIdKey, OutTradeNoKey, RefundStatusKey, refundSettledSignal } from '../contract';
import { REFUND_FAILED_ERROR_TYPE } from './refund-contract';
import { channel, db } from './refund-proxies';

/**
 * A merchant refund settled: the payment's workflow, while it still runs, shows the new refundedAmount
 * (its getPayment query and replayed creates answer from its view). A finished one is not told: the
 * record answers for it.
 */
export async function tellPayment(r: RefundRecord): Promise<void> {
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
export function finish(r: RefundRecord): RefundView {
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
export function indexForOperators(r: RefundRecord): void {
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

export async function callChannel(r: RefundRecord): Promise<RefundCallOutcome> {
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

export async function queryChannel(r: RefundRecord): Promise<RefundQueryOutcome> {
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

export function describeCall(r: RefundCallOutcome): string {
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

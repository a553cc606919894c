import { log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { QueryOutcome } from '../../activities/channel-outcomes';
import type { PaymentView } from '../../domain/payment';
import { channel, db } from '../activity-proxies';
import { REFUND_WORKFLOW_TYPE } from '../refund/refund-contract';

/** What the late-money rule needs: the payment as known, and the attempts already recorded as late money. */
export interface LateMoneyBook {
  readonly view: PaymentView;
  readonly lateRecorded: Set<number>;
}

/**
 * A success for an attempt that is no longer current, or after the payment ended: never kept silently.
 * Written once, used by the payment workflow and the late-money workflow alike. Records the money
 * (`late_payments`, once per attempt) and refunds it in full in its own refund workflow, which outlives
 * the caller (ABANDON). Returns true when it recorded something now.
 *
 * Not late money: the success we already counted (the winning attempt), and an attempt already REVERSED
 * (the reversal returned the money: refunding it again would fail at the channel and invite a manual
 * second refund). A notify for a CLOSED attempt is checked with the channel first: a trade the channel
 * reports closed keeps no money (the notify was stale); when the channel cannot answer, the signed
 * notify is trusted (a refund the channel refuses ends FAILED, in front of an operator).
 */
export async function recordLateSuccess(
  book: LateMoneyBook,
  attemptNo: number,
  channelTradeNo: string | null,
  amount: number,
  source: 'NOTIFY' | 'QUERY',
): Promise<boolean> {
  if (book.lateRecorded.has(attemptNo)) return false;
  const view = book.view;
  const attempt = view.attempts.find((x) => x.attemptNo === attemptNo);
  if (!attempt) return false;
  const winner = view.status === 'SUCCEEDED' && attempt.status === 'SUCCEEDED';
  if (winner) return false;
  if (attempt.status === 'REVERSED') {
    log.info('success reported for a reversed attempt: the reversal returned it', {
      paymentId: view.id,
      attemptNo,
    });
    return false;
  }
  if (source === 'NOTIFY' && attempt.status === 'CLOSED') {
    const q = await confirmByQuery(attempt.channel, attempt.channelOutTradeNo);
    if (q.status !== 'PAID' && q.status !== 'UNKNOWN') return false;
    if (q.status === 'PAID') amount = q.amount;
  }
  book.lateRecorded.add(attemptNo);
  const reason = view.status === 'SUCCEEDED' ? 'DUPLICATE_PAYMENT' : 'LATE_PAYMENT';
  await db.recordLatePayment({
    paymentId: view.id,
    attemptNo,
    channel: attempt.channel,
    channelTradeNo,
    amount,
    reason,
  });
  log.warn('late or duplicate payment: refunding it in full', { paymentId: view.id, attemptNo, reason });
  const late = await db.recordLateRefund({
    paymentId: view.id,
    attemptNo,
    kind: reason,
    amount,
    currency: view.currency,
    channel: attempt.channel,
    channelOutTradeNo: attempt.channelOutTradeNo,
  });
  try {
    await startChild(REFUND_WORKFLOW_TYPE, {
      workflowId: late.workflowId,
      args: [{ refundId: late.refundId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // Already started (by this payment's other workflow, or an earlier run): the refund is under way.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return true;
}

async function confirmByQuery(channelName: string, outTradeNo: string): Promise<QueryOutcome> {
  try {
    return await channel.channelQuery({ channel: channelName, outTradeNo });
  } catch (err) {
    return { status: 'UNKNOWN', code: 'QUERY_CALL_FAILED', message: String((err as Error).message) };
  }
}

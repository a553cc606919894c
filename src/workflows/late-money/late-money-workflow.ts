import { allHandlersFinished, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { isFinalAttempt } from '../../domain/attempt-state-machine';
import { parseChannelOutTradeNo } from '../../domain/ids';
import type { AttemptView, PaymentView } from '../../domain/payment';
import { isTerminalPayment } from '../../domain/payment-state-machine';
import { db } from '../activity-proxies';
import {
  channelNotifySignal,
  lateOperatorQueryUpdate,
  type ChannelNotice,
  type LateMoneyWorkflowInput,
} from '../contract';
import { queryQuietly } from '../payment/attempt-steps';
import { recordLateSuccess, type LateMoneyBook } from '../payment/late-money';

interface QueryRequest {
  done: boolean;
  result?: PaymentView;
  error?: ApplicationFailure;
}

/**
 * Late money after the payment workflow has finished: `late-<paymentId>`, started by signal-with-start (a
 * verified channel notify) or update-with-start (an operator query). It re-reads the record, applies what
 * arrived with the payment workflow's own late-money rule (recordLateSuccess: record once, refund in full
 * in a refund workflow of its own), answers every Update, and ends. It never writes the payment's status:
 * the payment workflow stays its only writer, and a payment whose workflow ended is final.
 */
export async function lateMoneyWorkflow({ paymentId }: LateMoneyWorkflowInput): Promise<void> {
  const notices: ChannelNotice[] = [];
  const queries: QueryRequest[] = [];
  setHandler(channelNotifySignal, (n) => void notices.push(n));
  setHandler(lateOperatorQueryUpdate, async () => {
    const q: QueryRequest = { done: false };
    queries.push(q);
    await condition(() => q.done);
    if (q.error) throw q.error;
    return q.result!;
  });

  let rec;
  try {
    rec = await db.loadPaymentRecord({ paymentId });
  } catch (err) {
    // No such payment on the record: every Update is answered NOT_FOUND, and the run ends.
    const notFound = ApplicationFailure.nonRetryable(`payment ${paymentId} not found`, 'NOT_FOUND');
    for (;;) {
      for (let q = queries.shift(); q; q = queries.shift()) Object.assign(q, { error: notFound, done: true });
      if (allHandlersFinished()) throw err;
      await condition(() => queries.length > 0 || allHandlersFinished());
    }
  }
  const book: LateMoneyBook & { view: PaymentView } = {
    view: rec.payment,
    lateRecorded: new Set(rec.lateAttempts),
  };
  /** (attemptNo, channel trade number) already handled in this run. */
  const seen = new Set<string>();

  for (;;) {
    for (let n = notices.shift(); n; n = notices.shift()) {
      const ref = parseChannelOutTradeNo(n.channelOutTradeNo);
      if (!ref || ref.paymentId !== paymentId || n.status !== 'PAID') continue;
      const key = `${ref.attemptNo}:${n.channelTradeNo}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const attempt = book.view.attempts.find((a) => a.attemptNo === ref.attemptNo);
      if (attempt && belongsToLiveWorkflow(book.view, attempt)) continue;
      await recordLateSuccess(book, ref.attemptNo, n.channelTradeNo, n.amount, 'NOTIFY');
    }
    for (let q = queries.shift(); q; q = queries.shift()) {
      for (const attempt of book.view.attempts) {
        if (!mayHoldLateMoney(book, attempt)) continue;
        const answer = await queryQuietly(attempt);
        if (answer.status !== 'PAID') continue;
        seen.add(`${attempt.attemptNo}:${answer.channelTradeNo}`);
        await recordLateSuccess(book, attempt.attemptNo, answer.channelTradeNo, answer.amount, 'QUERY');
      }
      book.view = (await db.loadPaymentRecord({ paymentId })).payment;
      q.result = book.view;
      q.done = true;
    }
    // Everything answered; a signal or Update that arrives with the last task is handled before the end.
    await condition(() => notices.length > 0 || queries.length > 0 || allHandlersFinished());
    if (notices.length === 0 && queries.length === 0) return;
  }
}

/** The current, open attempt of a payment that is not final yet is its payment workflow's business. */
function belongsToLiveWorkflow(view: PaymentView, attempt: AttemptView): boolean {
  const current = view.attempts[view.attempts.length - 1];
  return !isTerminalPayment(view.status) && current?.attemptNo === attempt.attemptNo;
}

/**
 * Attempts not known final-and-settled at the channel: the winning success is counted, a REVERSED one was
 * returned by its reversal, one recorded as late money is being refunded. Every other attempt (CLOSED
 * included: money can still arrive after a confirmed close) is asked.
 */
function mayHoldLateMoney(book: LateMoneyBook, attempt: AttemptView): boolean {
  if (book.lateRecorded.has(attempt.attemptNo)) return false;
  if (attempt.status === 'REVERSED') return false;
  if (attempt.status === 'SUCCEEDED' && book.view.status === 'SUCCEEDED') return false;
  if (belongsToLiveWorkflow(book.view, attempt)) return false;
  return isFinalAttempt(attempt.status) || isTerminalPayment(book.view.status);
}

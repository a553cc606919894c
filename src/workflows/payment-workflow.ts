import { ApplicationFailure, condition, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import { sameCreateRequest } from '../domain/create-request';
import { msUntil, nextPollDelayMs } from '../domain/expiry';
import { paymentIdFromUuid, parseChannelOutTradeNo } from '../domain/ids';
import { closeRefusal, isTerminalPayment, payAgainRefusal } from '../domain/payment-state-machine';
import { db } from './activity-proxies';
import {
  channelNotifySignal,
  closePaymentUpdate,
  createPaymentUpdate,
  getPaymentQuery,
  operatorCancelUpdate,
  operatorQueryUpdate,
  payAgainUpdate,
  type ChannelNotice,
  type PayAgainInput,
  type PaymentWorkflowInput,
} from './contract';
import { PaymentSaga } from './payment-saga';
import type { CreatePaymentInput } from '../domain/payment';
import { resolveOptions } from './payment-workflow-options';
import { retryAutomatically, type AutoRetryState } from './auto-retry';
import { CommandQueue } from './command-queue';

/**
 * One payment order, from creation to a true final status, then a grace window for late money.
 * The only writer of the payment's status; every channel call carries the attempt's own trade number.
 */
export async function paymentWorkflow({ request, options }: PaymentWorkflowInput): Promise<void> {
  const opts = resolveOptions(options);
  const saga = new PaymentSaga(request);
  const notices: ChannelNotice[] = [];
  const commands = new CommandQueue(saga);
  let recorded = false;
  let firstCallDone = false;
  let creatorClaimed = false;
  let inserted = false;
  const retries: AutoRetryState = { retries: 0, lastVerdict: null };

  setHandler(getPaymentQuery, () => (recorded ? saga.view : null));
  setHandler(channelNotifySignal, (n) => void notices.push(n));
  setHandler(
    createPaymentUpdate,
    async () => {
      await condition(() => firstCallDone);
      const created = inserted && !creatorClaimed;
      creatorClaimed = true;
      return { payment: saga.view, created };
    },
    {
      validator: (req: CreatePaymentInput) => {
        if (!sameCreateRequest(req, request)) {
          throw ApplicationFailure.nonRetryable(
            'this outTradeNo was already used with a different amount, currency or orderDeadline',
            'IDEMPOTENCY_MISMATCH',
          );
        }
      },
    },
  );
  setHandler(payAgainUpdate, (input: PayAgainInput) => commands.submit({ kind: 'PAY_AGAIN', input }), {
    validator: (_input: PayAgainInput) => {
      const refusal = recorded ? payAgainRefusal(saga.status) : 'PAYMENT_IN_PROGRESS';
      if (refusal)
        throw ApplicationFailure.nonRetryable(`payment is ${recorded ? saga.status : 'CREATED'}`, refusal);
      if (Date.now() >= saga.deadline)
        throw ApplicationFailure.nonRetryable('the order deadline has passed', 'ORDER_EXPIRED');
    },
  });
  setHandler(operatorQueryUpdate, () => commands.submit({ kind: 'OPERATOR_QUERY' }), {
    validator: () => {
      if (!recorded) throw ApplicationFailure.nonRetryable('payment is being created', 'PAYMENT_IN_PROGRESS');
    },
  });
  setHandler(operatorCancelUpdate, () => commands.submit({ kind: 'OPERATOR_CANCEL' }), {
    validator: () => {
      if (!recorded) throw ApplicationFailure.nonRetryable('payment is being created', 'PAYMENT_IN_PROGRESS');
    },
  });
  setHandler(closePaymentUpdate, () => commands.submit({ kind: 'CLOSE' }), {
    validator: () => {
      const refusal = recorded ? closeRefusal(saga.status) : null;
      if (refusal) throw ApplicationFailure.nonRetryable(`payment is ${saga.status}`, refusal);
    },
  });

  const start = new Date().toISOString();
  const rec = await db.recordPayment({
    create: request,
    paymentId: paymentIdFromUuid(uuid4()),
    workflowId: workflowInfo().workflowId,
    at: start,
  });
  saga.adopt(rec.payment);
  saga.routes = rec.channels;
  inserted = rec.inserted;
  recorded = true;

  if (saga.status === 'CREATED') {
    if (saga.view.amount === 0) {
      await saga.move('zero amount: nothing to collect', { payment: 'SUCCEEDED' });
    } else if (Date.now() >= saga.deadline) {
      await saga.move('order deadline already passed', { payment: 'CLOSED', closeReason: 'EXPIRED' });
    } else {
      // Payable check before the channel call: the order is still open and nothing was paid.
      await saga.startAttempt(request.channel ?? saga.routes[0] ?? 'sandbox', request.method);
    }
  }
  // An automatic retry belongs to the first call: the create answer shows where the payment really stands.
  await retryAutomatically(saga, retries);
  firstCallDone = true;

  let polls = 0;
  while (!isTerminalPayment(saga.status)) {
    const msLeft = msUntil(new Date(saga.deadline), new Date());
    const wait = saga.hasOpenAttempt
      ? nextPollDelayMs(polls, msLeft, { initialMs: opts.pollInitialMs, maxMs: opts.pollMaxMs })
      : msLeft;
    const woke = await condition(() => notices.length > 0 || commands.pending, wait);
    if (woke) {
      await drainNotices(saga, notices);
      if (commands.pending) {
        await commands.runNext();
        polls = 0;
      }
      await retryAutomatically(saga, retries);
      continue;
    }
    if (Date.now() >= saga.deadline) {
      await expire(saga, opts.pollMaxMs, notices);
    } else if (saga.hasOpenAttempt) {
      polls += 1;
      await saga.poll();
      await retryAutomatically(saga, retries);
    }
  }

  // Grace window: late and duplicate notifies still arrive; record each for refund.
  const graceEnd = Date.now() + opts.graceMs;
  while (Date.now() < graceEnd) {
    const woke = await condition(() => notices.length > 0 || commands.pending, graceEnd - Date.now());
    if (!woke) break;
    await drainNotices(saga, notices);
    if (commands.pending) await commands.runNext();
  }
  await condition(() => !commands.pending);
}

async function drainNotices(saga: PaymentSaga, notices: ChannelNotice[]): Promise<void> {
  for (let n = notices.shift(); n; n = notices.shift()) {
    const ref = parseChannelOutTradeNo(n.channelOutTradeNo);
    if (!ref || ref.paymentId !== saga.view.id) continue;
    if (n.status === 'PAID') {
      await saga.onPaid(ref.attemptNo, n.channelTradeNo, n.paidAt, n.amount, 'notify: paid');
    } else if (saga.current?.attemptNo === ref.attemptNo) {
      // A stale WAIT_BUYER_PAY after a success changes nothing: final statuses are never left.
      await saga.settle(
        n.status === 'CLOSED' ? { kind: 'CLOSED' } : { kind: 'WAITING', channelTradeNo: n.channelTradeNo },
        `notify: ${n.status}`,
      );
    }
  }
}

/** At the deadline: fail an attempt-less payment, else close (or reverse) at the channel, retrying while unknown. */
async function expire(saga: PaymentSaga, retryMaxMs: number, notices: ChannelNotice[]): Promise<void> {
  if (saga.status === 'AWAITING_RETRY') {
    await saga.move('deadline passed after a failed attempt', { payment: 'FAILED' });
    return;
  }
  for (let tries = 0; !isTerminalPayment(saga.status); tries++) {
    await drainNotices(saga, notices);
    if (isTerminalPayment(saga.status)) return;
    const r = await saga.closeAtChannel('EXPIRED');
    if (r !== 'UNKNOWN') return;
    await condition(() => notices.length > 0, Math.min(1_000 * 2 ** tries, retryMaxMs));
  }
}

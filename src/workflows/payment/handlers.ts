import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { sameCreateRequest } from '../../domain/create-request';
import type { CreatePaymentInput } from '../../domain/payment';
import { closeRefusal, payAgainRefusal } from '../../domain/payment-state-machine';
import {
  channelNotifySignal,
  closePaymentUpdate,
  createPaymentUpdate,
  getPaymentQuery,
  operatorCancelUpdate,
  operatorQueryUpdate,
  payAgainUpdate,
  PAYMENT_WORKFLOW_ENDING,
  refundSettledSignal,
  type PayAgainInput,
} from '../contract';
import type { CommandQueue } from './commands';
import type { NoticeInbox } from './notices';
import type { PaymentState } from './payment-state';

/** How far the create has got: what the create Update waits for and answers with. */
export interface CreateProgress {
  /** The record step ran: `state.view` is the payment as recorded. */
  recorded: boolean;
  /** The first channel call answered (or there was none to make): the create may answer. */
  firstCallDone: boolean;
  /** This workflow inserted the row (201 for its first create), as opposed to finding one. */
  inserted: boolean;
  creatorClaimed: boolean;
  /** The record step refused the create for good (IDEMPOTENCY_MISMATCH, a value the database refuses). */
  failure: ApplicationFailure | null;
  /** The grace window has ended: the run answers what is queued and completes, taking no new channel work. */
  closing: boolean;
}

const isFinal = (s: PaymentState): boolean => s.status === 'CLOSED' || s.status === 'FAILED';

const inProgress = (): never => {
  throw ApplicationFailure.nonRetryable('payment is being created', 'PAYMENT_IN_PROGRESS');
};

/** Every Update, signal and query of the payment workflow; Updates that act are queued for the main loop. */
export function registerHandlers(
  s: PaymentState,
  inbox: NoticeInbox,
  commands: CommandQueue,
  progress: CreateProgress,
): void {
  const request = s.request;
  setHandler(getPaymentQuery, () => (progress.recorded ? s.view : null));
  setHandler(channelNotifySignal, (n) => inbox.push(n));
  setHandler(refundSettledSignal, ({ refundedAmount }) => {
    // Refunds only add up: an older signal arriving late never lowers the amount.
    if (progress.recorded && refundedAmount > s.view.refundedAmount) s.view = { ...s.view, refundedAmount };
  });
  setHandler(
    createPaymentUpdate,
    async () => {
      await condition(() => progress.firstCallDone || progress.failure !== null);
      if (progress.failure) throw progress.failure;
      const created = progress.inserted && !progress.creatorClaimed;
      progress.creatorClaimed = true;
      return { payment: s.view, created };
    },
    {
      validator: (req: CreatePaymentInput) => {
        if (!sameCreateRequest(req, progress.recorded ? s.view : request)) {
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
      const refusal = progress.recorded ? payAgainRefusal(s.status) : 'PAYMENT_IN_PROGRESS';
      if (refusal)
        throw ApplicationFailure.nonRetryable(
          `payment is ${progress.recorded ? s.status : 'CREATED'}`,
          refusal,
        );
      if (Date.now() >= s.deadline)
        throw ApplicationFailure.nonRetryable('the order deadline has passed', 'ORDER_EXPIRED');
    },
  });
  setHandler(operatorQueryUpdate, () => commands.submit({ kind: 'OPERATOR_QUERY' }), {
    validator: () => {
      if (!progress.recorded) inProgress();
      if (progress.closing) {
        throw ApplicationFailure.nonRetryable('the payment workflow is completing', PAYMENT_WORKFLOW_ENDING);
      }
    },
  });
  // A final payment is answered at once: closed or failed needs no channel call, paid is refused.
  setHandler(
    operatorCancelUpdate,
    () => (isFinal(s) ? s.view : commands.submit({ kind: 'OPERATOR_CANCEL' })),
    {
      validator: () => {
        if (!progress.recorded) inProgress();
        if (s.status === 'SUCCEEDED') {
          throw ApplicationFailure.nonRetryable(
            'the payment is paid: refund it in full',
            'PAYMENT_ALREADY_SUCCEEDED',
          );
        }
      },
    },
  );
  setHandler(closePaymentUpdate, () => (isFinal(s) ? s.view : commands.submit({ kind: 'CLOSE' })), {
    validator: () => {
      const refusal = progress.recorded ? closeRefusal(s.status) : null;
      if (refusal) throw ApplicationFailure.nonRetryable(`payment is ${s.status}`, refusal);
    },
  });
}

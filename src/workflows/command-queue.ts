import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { PaymentView } from '../domain/payment';
import { closeRefusal, payAgainRefusal } from '../domain/payment-state-machine';
import type { PayAgainInput } from './contract';
import type { PaymentSaga } from './payment-saga';

export type Command =
  | { kind: 'PAY_AGAIN'; input: PayAgainInput }
  | { kind: 'CLOSE' }
  | { kind: 'OPERATOR_QUERY' }
  | { kind: 'OPERATOR_CANCEL' };

interface Entry {
  cmd: Command;
  done: boolean;
  result?: PaymentView;
  error?: Error;
}

/**
 * Updates (pay again, merchant close) are queued and run by the workflow's main loop, one at a time,
 * so a command never interleaves with a poll, a notify or the deadline close of the same attempt.
 */
export class CommandQueue {
  private readonly queue: Entry[] = [];

  constructor(private readonly saga: PaymentSaga) {}

  get pending(): boolean {
    return this.queue.length > 0;
  }

  async submit(cmd: Command): Promise<PaymentView> {
    const entry: Entry = { cmd, done: false };
    this.queue.push(entry);
    await condition(() => entry.done);
    if (entry.error !== undefined) throw entry.error;
    return entry.result!;
  }

  async runNext(): Promise<void> {
    const entry = this.queue.shift();
    if (!entry) return;
    try {
      entry.result = await this.execute(entry.cmd);
    } catch (err) {
      entry.error =
        err instanceof ApplicationFailure
          ? err
          : ApplicationFailure.nonRetryable(String((err as Error).message), 'INTERNAL');
    } finally {
      entry.done = true;
    }
  }

  /** Reverse at the channel: close if unpaid; a paid payment is refunded in full instead (refunds capability). */
  private async cancelByOperator(): Promise<PaymentView> {
    const saga = this.saga;
    if (saga.status === 'SUCCEEDED') {
      throw ApplicationFailure.nonRetryable(
        'the payment is paid: refund it in full',
        'PAYMENT_ALREADY_SUCCEEDED',
      );
    }
    if (saga.status === 'CLOSED' || saga.status === 'FAILED') return saga.view;
    const r = await saga.closeAtChannel('OPERATOR_CANCELLED');
    if (r === 'PAID') {
      throw ApplicationFailure.nonRetryable(
        'the buyer paid before the cancel: refund it instead',
        'PAYMENT_ALREADY_SUCCEEDED',
      );
    }
    if (r === 'UNKNOWN') {
      throw ApplicationFailure.nonRetryable(
        'the channel did not confirm the reversal; it is retried',
        'PAYMENT_STATUS_UNKNOWN',
      );
    }
    return saga.view;
  }

  private async execute(cmd: Command): Promise<PaymentView> {
    const saga = this.saga;
    if (cmd.kind === 'PAY_AGAIN') {
      // Checked again here: the status may have moved between the validator and this turn of the loop.
      const refusal = payAgainRefusal(saga.status);
      if (refusal) throw ApplicationFailure.nonRetryable(`payment is ${saga.status}`, refusal);
      if (Date.now() >= saga.deadline)
        throw ApplicationFailure.nonRetryable('the order deadline has passed', 'ORDER_EXPIRED');
      const previous = saga.current;
      if (previous && !(await saga.finalizeAtChannel(previous))) {
        throw ApplicationFailure.nonRetryable(
          'the previous attempt is not yet final at its channel; query or close first',
          'PAYMENT_STATUS_UNKNOWN',
        );
      }
      const channelName = cmd.input.channel ?? saga.current?.channel ?? saga.routes[0] ?? 'sandbox';
      await saga.startAttempt(channelName, cmd.input.method ?? saga.request.method);
      return saga.view;
    }
    if (cmd.kind === 'OPERATOR_QUERY') {
      await saga.queryNow();
      return saga.view;
    }
    if (cmd.kind === 'OPERATOR_CANCEL') return this.cancelByOperator();
    const refusal = closeRefusal(saga.status);
    if (refusal) throw ApplicationFailure.nonRetryable(`payment is ${saga.status}`, refusal);
    if (saga.status === 'CLOSED') return saga.view;
    const r = await saga.closeAtChannel('MERCHANT_CLOSED');
    if (r === 'PAID') {
      throw ApplicationFailure.nonRetryable(
        'the buyer paid before the close: refund it instead',
        'PAYMENT_ALREADY_SUCCEEDED',
      );
    }
    if (r === 'UNKNOWN') {
      throw ApplicationFailure.nonRetryable(
        'the channel did not confirm the close; it is retried',
        'PAYMENT_STATUS_UNKNOWN',
      );
    }
    return saga.view;
  }
}

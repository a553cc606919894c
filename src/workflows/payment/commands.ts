import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { PaymentView } from '../../domain/payment';
import type { CloseReason } from '../../domain/payment-status';
import { closeRefusal, payAgainRefusal } from '../../domain/payment-state-machine';
import type { PayAgainInput } from '../contract';
import { queryNow, startAttempt } from './attempt-steps';
import { closeAtChannel, finalizeAtChannel } from './close-or-reverse';
import { keepCloseIntent } from './close-intent';
import type { PaymentState } from './payment-state';

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

const refuse = (message: string, code: string): never => {
  throw ApplicationFailure.nonRetryable(message, code);
};

/**
 * Updates (pay again, merchant close, operator query and cancel) are queued and run by the workflow's main
 * loop, one at a time, so a command never interleaves with a poll, a notify or the deadline close.
 */
export class CommandQueue {
  private readonly queue: Entry[] = [];

  constructor(
    private readonly s: PaymentState,
    private readonly retryMaxMs: number,
  ) {}

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

  private async execute(cmd: Command): Promise<PaymentView> {
    const s = this.s;
    switch (cmd.kind) {
      case 'PAY_AGAIN':
        return this.payAgain(cmd.input);
      case 'OPERATOR_QUERY':
        await queryNow(s);
        return s.view;
      case 'OPERATOR_CANCEL':
        // Reverse at the channel: close if unpaid; a paid payment is refunded in full instead (the API does it).
        if (s.status === 'SUCCEEDED')
          refuse('the payment is paid: refund it in full', 'PAYMENT_ALREADY_SUCCEEDED');
        if (s.status === 'CLOSED' || s.status === 'FAILED') return s.view;
        return this.close('OPERATOR_CANCELLED');
      case 'CLOSE': {
        const refusal = closeRefusal(s.status);
        if (refusal) refuse(`payment is ${s.status}`, refusal);
        if (s.status === 'CLOSED') return s.view;
        return this.close('MERCHANT_CLOSED');
      }
    }
  }

  private async payAgain(input: PayAgainInput): Promise<PaymentView> {
    const s = this.s;
    // Checked again here: the status may have moved between the validator and this turn of the loop.
    const refusal = payAgainRefusal(s.status);
    if (refusal) refuse(`payment is ${s.status}`, refusal);
    if (Date.now() >= s.deadline) refuse('the order deadline has passed', 'ORDER_EXPIRED');
    const previous = s.current;
    if (previous && !(await finalizeAtChannel(s, previous))) {
      refuse(
        'the previous attempt is not yet final at its channel; query or close first',
        'PAYMENT_STATUS_UNKNOWN',
      );
    }
    const channelName = input.channel ?? s.current?.channel ?? s.routes[0] ?? 'sandbox';
    await startAttempt(s, channelName, input.method ?? s.request.method);
    return s.view;
  }

  /**
   * One close now; when the channel cannot confirm it, the close is kept as the payment's intent and
   * retried by the main loop until confirmed. A close or cancel while one is already pending answers at
   * once (and brings the next try forward) instead of waiting on a channel that is not answering.
   */
  private async close(closeReason: CloseReason): Promise<PaymentView> {
    const s = this.s;
    if (s.intent) {
      s.intent.nextTryAt = Date.now();
      refuse(
        `a ${s.intent.closeReason} close is pending at the channel; it is retried`,
        'PAYMENT_STATUS_UNKNOWN',
      );
    }
    const r = await closeAtChannel(s, closeReason);
    if (r === 'PAID')
      refuse('the buyer paid before the close: refund it instead', 'PAYMENT_ALREADY_SUCCEEDED');
    if (r === 'UNKNOWN') {
      keepCloseIntent(s, closeReason, this.retryMaxMs);
      refuse('the channel did not confirm the close; it is kept and retried', 'PAYMENT_STATUS_UNKNOWN');
    }
    return s.view;
  }
}

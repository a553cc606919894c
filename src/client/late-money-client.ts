import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { PaymentView } from '../domain/payment';
import {
  channelNotifySignal,
  LATE_MONEY_WORKFLOW_TYPE,
  lateMoneyWorkflowId,
  lateOperatorQueryUpdate,
  MerchantIdKey,
  OutTradeNoKey,
  type ChannelNotice,
  type LateMoneyWorkflowInput,
} from '../workflows/contract';
import { toDomainError } from './temporal-errors';

/**
 * Starts (or joins) the short late-money workflow `late-<paymentId>` for a payment whose own workflow has
 * ended. It may run any number of times over the payment's life (reuse ALLOW_DUPLICATE) and joins a run
 * still in progress (conflict USE_EXISTING), so two late notifies never make two workflows at once.
 */
export class LateMoneyClient {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /** A channel notify after the payment workflow ended: recorded, and a late success refunded, there. */
  async notify(paymentId: string, notice: ChannelNotice): Promise<void> {
    await this.temporal.workflow.signalWithStart(LATE_MONEY_WORKFLOW_TYPE, {
      ...this.startOptions(paymentId),
      signal: channelNotifySignal,
      signalArgs: [notice],
    });
  }

  /** Operator query after the payment workflow ended: the late-money workflow asks the channel and answers. */
  async operatorQuery(payment: PaymentView): Promise<PaymentView> {
    try {
      return await this.temporal.workflow.executeUpdateWithStart(lateOperatorQueryUpdate, {
        args: [],
        startWorkflowOperation: new WithStartWorkflowOperation(LATE_MONEY_WORKFLOW_TYPE, {
          ...this.startOptions(payment.id),
          typedSearchAttributes: [
            { key: MerchantIdKey, value: payment.merchantId },
            { key: OutTradeNoKey, value: payment.outTradeNo },
          ],
        }),
      });
    } catch (err) {
      throw toDomainError(err) ?? err;
    }
  }

  private startOptions(paymentId: string) {
    const input: LateMoneyWorkflowInput = { paymentId };
    return {
      workflowId: lateMoneyWorkflowId(paymentId),
      taskQueue: this.taskQueue,
      args: [input] as [LateMoneyWorkflowInput],
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    };
  }
}

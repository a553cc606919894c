import { WithStartWorkflowOperation } from '@temporalio/client';
import type { CreatePaymentInput } from '../domain/payment';
import {
  MerchantIdKey,
  OutTradeNoKey,
  PaymentStatusKey,
  type PaymentWorkflowOptions,
} from '../workflows/contract';
import type { paymentWorkflow } from '../workflows/payment/payment-workflow';

/**
 * How a create starts the payment's workflow (update-with-start): one workflow per order, joined while it
 * runs (USE_EXISTING) and never started again once it closed (REJECT_DUPLICATE); after retention frees the
 * id, the record check in PaymentClient.create keeps a replay from starting one.
 */
export function paymentStartOperation(
  workflowId: string,
  taskQueue: string,
  input: CreatePaymentInput,
  options: PaymentWorkflowOptions | undefined,
): WithStartWorkflowOperation<typeof paymentWorkflow> {
  return new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
    workflowId,
    taskQueue,
    args: [{ request: input, options }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: PaymentStatusKey, value: 'CREATED' },
      { key: MerchantIdKey, value: input.merchantId },
      { key: OutTradeNoKey, value: input.outTradeNo },
    ],
  });
}

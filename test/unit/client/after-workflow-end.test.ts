import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  cancelAfterEnd,
  closeAfterEnd,
  payAgainAfterEnd,
  replayOf,
} from '../../../src/client/after-workflow-end';
import { isWorkflowGone } from '../../../src/client/temporal-errors';
import type { CreatePaymentInput, PaymentView } from '../../../src/domain/payment';
import type { PaymentStatus } from '../../../src/domain/payment-status';

const payment = (status: PaymentStatus): PaymentView => ({
  id: 'pay_0123456789abcdef0123456789abcdef',
  merchantId: 'm_demo',
  outTradeNo: 'O-1',
  amount: 1999,
  currency: 'CNY',
  subject: 'Coffee',
  status,
  closeReason: status === 'CLOSED' ? 'MERCHANT_CLOSED' : null,
  orderDeadline: '2026-12-01T12:00:00.000Z',
  expiresAt: '2026-12-01T12:00:00.000Z',
  createdAt: '2026-12-01T11:00:00.000Z',
  updatedAt: '2026-12-01T11:00:00.000Z',
  paidAt: null,
  closedAt: null,
  refundedAmount: 0,
  attempts: [],
  nextAction: null,
  metadata: {},
});

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? 'PLAIN_ERROR';
  }
};

describe('answers from the record once the workflow has ended', () => {
  test('pay again: SUCCEEDED → PAYMENT_ALREADY_SUCCEEDED, FAILED and CLOSED → PAYMENT_CLOSED', () => {
    expect(codeOf(() => payAgainAfterEnd(payment('SUCCEEDED')))).toBe('PAYMENT_ALREADY_SUCCEEDED');
    expect(codeOf(() => payAgainAfterEnd(payment('FAILED')))).toBe('PAYMENT_CLOSED');
    expect(codeOf(() => payAgainAfterEnd(payment('CLOSED')))).toBe('PAYMENT_CLOSED');
  });

  test('close: SUCCEEDED → 409, CLOSED → the payment as it is, FAILED → PAYMENT_CLOSED', () => {
    expect(codeOf(() => closeAfterEnd(payment('SUCCEEDED')))).toBe('PAYMENT_ALREADY_SUCCEEDED');
    expect(closeAfterEnd(payment('CLOSED')).status).toBe('CLOSED');
    expect(codeOf(() => closeAfterEnd(payment('FAILED')))).toBe('PAYMENT_CLOSED');
  });

  test('operator cancel: SUCCEEDED → refund it (409), CLOSED and FAILED as they are', () => {
    expect(codeOf(() => cancelAfterEnd(payment('SUCCEEDED')))).toBe('PAYMENT_ALREADY_SUCCEEDED');
    expect(cancelAfterEnd(payment('CLOSED')).status).toBe('CLOSED');
    expect(cancelAfterEnd(payment('FAILED')).status).toBe('FAILED');
  });

  test('a payment not final without its workflow is no answer to guess: a plain error (503)', () => {
    for (const s of ['CREATED', 'PROCESSING', 'UNKNOWN', 'AWAITING_RETRY'] as const) {
      expect(codeOf(() => closeAfterEnd(payment(s)))).toBe('PLAIN_ERROR');
      expect(codeOf(() => payAgainAfterEnd(payment(s)))).toBe('PLAIN_ERROR');
      expect(codeOf(() => cancelAfterEnd(payment(s)))).toBe('PLAIN_ERROR');
    }
  });

  test('a replay is compared with the stored row', () => {
    const input = {
      amount: 1999,
      currency: 'CNY',
      orderDeadline: '2026-12-01T20:00:00+08:00',
    } as CreatePaymentInput;
    expect(replayOf(payment('SUCCEEDED'), input).created).toBe(false);
    expect(codeOf(() => replayOf(payment('SUCCEEDED'), { ...input, amount: 2000 }))).toBe(
      'IDEMPOTENCY_MISMATCH',
    );
  });
});

describe('isWorkflowGone tells an ended workflow from Temporal being unreachable', () => {
  const grpc = (code: number, details: string) =>
    Object.assign(new Error(details), { code, details, metadata: {} });

  test('gone: not found, already completed (raw or wrapped), an Update outlived by its workflow', () => {
    expect(isWorkflowGone(new WorkflowNotFoundError('not found', 'wf', undefined))).toBe(true);
    expect(
      isWorkflowGone(new ServiceError('x', { cause: grpc(5, 'workflow execution already completed') })),
    ).toBe(true);
    const outlived = ApplicationFailure.create({
      type: 'AcceptedUpdateCompletedWorkflow',
      nonRetryable: true,
    });
    expect(isWorkflowGone(new WorkflowUpdateFailedError('Workflow Update failed', outlived))).toBe(true);
  });

  test('not gone: unavailable, deadline exceeded, a refusal with our own code', () => {
    expect(isWorkflowGone(new ServiceError('down', { cause: grpc(14, 'connection refused') }))).toBe(false);
    expect(isWorkflowGone(grpc(4, 'deadline exceeded'))).toBe(false);
    const refused = ApplicationFailure.nonRetryable('payment is SUCCEEDED', 'PAYMENT_ALREADY_SUCCEEDED');
    expect(isWorkflowGone(new WorkflowUpdateFailedError('Workflow Update failed', refused))).toBe(false);
    expect(isWorkflowGone(new Error('anything else'))).toBe(false);
  });
});

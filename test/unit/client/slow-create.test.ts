import type { Client } from '@temporalio/client';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { PaymentClient } from '../../../src/client/payment-client';
import type { PaymentRecords } from '../../../src/client/payment-records';
import type { PaymentView } from '../../../src/domain/payment';

const deadline = new Date(Date.now() + 3_600_000).toISOString();
const body = {
  outTradeNo: 'O-slow',
  amount: 1999,
  currency: 'CNY',
  subject: 'Coffee',
  orderDeadline: deadline,
  method: { type: 'wallet', token: 'sim_success' },
};
const processing: PaymentView = {
  id: 'pay_0123456789abcdef0123456789abcdef',
  merchantId: 'm_demo',
  outTradeNo: 'O-slow',
  amount: 1999,
  currency: 'CNY',
  subject: 'Coffee',
  status: 'PROCESSING',
  closeReason: null,
  orderDeadline: deadline,
  expiresAt: deadline,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  paidAt: null,
  closedAt: null,
  refundedAmount: 0,
  attempts: [],
  nextAction: null,
  metadata: {},
};

/** A gRPC error as @grpc/grpc-js makes it: a code, details and metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(details), { code, details, metadata: {} });
}

/** A Temporal client whose create Update fails as given; the record answers what the workflow wrote (or not). */
function clientWith(updateError: Error, recordAfterStart: PaymentView | null) {
  let started = false;
  const temporal = {
    workflow: {
      executeUpdateWithStart: async () => {
        started = true;
        throw updateError;
      },
    },
  } as unknown as Client;
  const records: PaymentRecords = {
    findByOutTradeNo: async () => (started ? recordAfterStart : null),
    findById: async () => null,
  };
  return new PaymentClient(temporal, { records });
}

const deadlineExceeded = () =>
  new WorkflowUpdateRPCTimeoutOrCancelledError('Deadline exceeded', {
    cause: grpcError(4, 'Deadline exceeded'),
  });

test('a create past its call deadline answers the payment the workflow has recorded, as it stands, not a 5xx', async () => {
  const answer = await clientWith(deadlineExceeded(), processing).create('m_demo', body);
  expect(answer).toEqual({ payment: processing, created: true });
});

test('past its deadline with nothing recorded yet (the workflow never ran), the create still fails (503)', async () => {
  await expect(clientWith(deadlineExceeded(), null).create('m_demo', body)).rejects.toBeInstanceOf(
    WorkflowUpdateRPCTimeoutOrCancelledError,
  );
});

test('a record of another request under that order number is not taken for this one', async () => {
  const other = { ...processing, amount: 1 };
  await expect(clientWith(deadlineExceeded(), other).create('m_demo', body)).rejects.toBeInstanceOf(
    WorkflowUpdateRPCTimeoutOrCancelledError,
  );
});

test('a call cancelled because Temporal was found down is not answered from the record', async () => {
  const cancelled = new WorkflowUpdateRPCTimeoutOrCancelledError('Cancelled', {
    cause: grpcError(1, 'Cancelled'),
  });
  await expect(clientWith(cancelled, processing).create('m_demo', body)).rejects.toBe(cancelled);
});

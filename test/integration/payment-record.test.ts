import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { PaymentRepository } from '../../src/db/payment-repository';
import { channelOutTradeNo, paymentWorkflowId } from '../../src/domain/ids';
import type { CreatePaymentInput } from '../../src/domain/payment';
import { StaleStatusError } from '../../src/domain/status-change';
import { createPaymentUpdate } from '../../src/workflows/contract';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
let payments: PaymentRepository;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `record-${process.pid}`, workflowOptions: { graceMs: 1_000 } });
  payments = new PaymentRepository(stack.pool);
});
afterAll(async () => stack?.stop());

const request = (outTradeNo: string, extra: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  merchantId: 'm_demo',
  outTradeNo,
  amount: 700,
  currency: 'CNY',
  subject: 'Juice',
  orderDeadline: inMinutes(10),
  transactionType: 'PURCHASE',
  source: 'ONLINE',
  metadata: {},
  ...extra,
});

let ids = 0;
const newPaymentId = () =>
  `pay_${(Date.now().toString(16) + (++ids).toString(16)).padStart(32, '0').slice(-32)}`;

/** A payment on the record whose workflow is long gone (the namespace's retention freed its id). */
async function recordedWithoutWorkflow(outTradeNo: string, orderDeadline: string) {
  const { payment } = await payments.insertPayment({
    ...request(outTradeNo, { orderDeadline }),
    id: newPaymentId(),
    workflowId: paymentWorkflowId('m_demo', outTradeNo),
    status: 'CLOSED',
    expiresAt: orderDeadline,
    at: new Date().toISOString(),
  });
  return payment;
}

test('a replay whose workflow is gone is compared with the stored row: a different amount is IDEMPOTENCY_MISMATCH, the same one answers the old payment', async () => {
  const outTradeNo = orderNo('gone');
  const deadline = inMinutes(10);
  const old = await recordedWithoutWorkflow(outTradeNo, deadline);
  const body = { outTradeNo, amount: 701, currency: 'CNY', subject: 'Juice', orderDeadline: deadline };
  const mismatch = await stack.api('POST', '/v1/payments', { body });
  expect(mismatch.status).toBe(409);
  expect(mismatch.body.code).toBe('IDEMPOTENCY_MISMATCH');
  const row = await payments.findById(old.id);
  expect(row).toMatchObject({ amount: 700, status: 'CLOSED' });

  const other = orderNo('gone-same');
  const kept = await recordedWithoutWorkflow(other, deadline);
  const same = await stack.api('POST', '/v1/payments', { body: { ...body, outTradeNo: other, amount: 700 } });
  expect(same.status).toBe(200);
  expect(same.body).toMatchObject({ id: kept.id, status: 'CLOSED', amount: 700 });
});

test('a value the database refuses fails the record step for good: the create answers VALIDATION_ERROR at once and the workflow fails for operators', async () => {
  const outTradeNo = orderNo('nul');
  const workflowId = paymentWorkflowId('m_demo', outTradeNo);
  // Past the API's own checks: jsonb refuses \u0000 (SQLSTATE 22P05), which no retry heals.
  const input = request(outTradeNo, { metadata: { note: 'a\u0000b' } });
  const started = Date.now();
  const err = await stack.client.temporal.workflow
    .executeUpdateWithStart(createPaymentUpdate, {
      args: [input],
      startWorkflowOperation: new WithStartWorkflowOperation('paymentWorkflow', {
        workflowId,
        taskQueue: stack.taskQueue,
        args: [{ request: input }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    })
    .catch((e: unknown) => e);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('VALIDATION_ERROR');
  expect((cause as ApplicationFailure).message).toContain('22P05');
  const status = await eventually(async () => {
    const d = await stack.client.temporal.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? undefined : d.status.name;
  });
  expect(status).toBe('FAILED');
});

test('a status change re-run after the row moved on (a crash lost the task that made it) answers the row; a truly stale one is refused', async () => {
  const outTradeNo = orderNo('rerun');
  const id = newPaymentId();
  const at = () => new Date().toISOString();
  const deadline = inMinutes(10);
  await payments.insertPayment({
    ...request(outTradeNo, { orderDeadline: deadline }),
    id,
    workflowId: paymentWorkflowId('m_demo', outTradeNo),
    status: 'CREATED',
    expiresAt: deadline,
    at: at(),
  });
  const started = {
    paymentId: id,
    at: at(),
    reason: 'attempt started',
    payment: { from: 'CREATED' as const, to: 'PROCESSING' as const },
    newAttempt: {
      attemptNo: 1,
      channel: 'sandbox',
      channelOutTradeNo: channelOutTradeNo(id, 1),
      method: null,
    },
    nextAction: null,
  };
  const accepted = {
    paymentId: id,
    at: at(),
    reason: 'pay accepted',
    attempt: { attemptNo: 1, from: 'PROCESSING' as const, to: 'PROCESSING' as const, channelTradeNo: 'T1' },
    nextAction: { type: 'qr_code' as const, url: 'http://qr' },
  };
  const paid = {
    paymentId: id,
    at: at(),
    reason: 'notify: paid',
    payment: { from: 'PROCESSING' as const, to: 'SUCCEEDED' as const, paidAt: at() },
    attempt: { attemptNo: 1, from: 'PROCESSING' as const, to: 'SUCCEEDED' as const },
  };
  await payments.applyStatusChange(started);
  await payments.applyStatusChange(accepted);
  await payments.applyStatusChange(paid);
  // The lost task runs again from the start: every write of it finds the row already past it.
  for (const change of [started, accepted, { ...paid, at: at() }]) {
    const row = await payments.applyStatusChange({ ...change, at: at() });
    expect(row).toMatchObject({ status: 'SUCCEEDED', nextAction: null });
    expect(row.attempts).toEqual([expect.objectContaining({ status: 'SUCCEEDED', channelTradeNo: 'T1' })]);
  }
  const history = await stack.pool.query(
    "SELECT count(*) FROM payment_status_history WHERE payment_id = $1 AND attempt_no IS NULL AND to_status = 'SUCCEEDED'",
    [id],
  );
  expect(Number(history.rows[0].count)).toBe(1);
  // A move this payment never made is a second writer: refused.
  await expect(
    payments.applyStatusChange({
      paymentId: id,
      at: at(),
      reason: 'query: waiting',
      payment: { from: 'UNKNOWN', to: 'PROCESSING' },
    }),
  ).rejects.toBeInstanceOf(StaleStatusError);
});

test('paidAt is never earlier than createdAt, though the channel reports whole seconds', async () => {
  const created = await Promise.all(
    [1, 2, 3].map(() =>
      stack.api('POST', '/v1/payments', {
        body: {
          outTradeNo: orderNo('paid-at'),
          amount: 300,
          currency: 'CNY',
          subject: 'Gum',
          orderDeadline: inMinutes(10),
          method: { type: 'bank_card', token: 'sim_success' },
        },
      }),
    ),
  );
  for (const c of created) {
    const p = await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${c.body.id}`);
      return g.body.status === 'SUCCEEDED' ? g.body : undefined;
    });
    expect(Date.parse(p.paidAt)).toBeGreaterThanOrEqual(Date.parse(p.createdAt));
  }
});

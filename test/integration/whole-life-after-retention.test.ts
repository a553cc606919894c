import { inSeconds, startTestStack, type TestStack } from './support/test-stack';
import {
  createPayment,
  deleteWorkflow,
  describeOrNull,
  expectCode,
  expectLateNotifyTaken,
  workflowClosed,
  type PaidPayment,
} from './support/whole-life';

/**
 * Contract section 2, "A payment's whole life", after the namespace's retention deleted the payment's
 * workflow (simulated: deleteWorkflowExecution). Only the record is left. Issue 7, "What was seen" item 1.
 */
let stack: TestStack;
let p: PaidPayment;
const deadline = inSeconds(20);
const started: string[] = [];
beforeAll(async () => {
  stack = await startTestStack({
    taskQueue: `life-gone-${process.pid}`,
    workflowOptions: { graceMs: 3_000 },
  });
  p = await createPayment(stack, { token: 'sim_success', orderDeadline: deadline, status: 'SUCCEEDED' });
  await workflowClosed(stack, p.workflowId);
  await deleteWorkflow(stack, p.workflowId);
});
afterAll(async () => {
  for (const id of [...started, p?.workflowId]) {
    if (id)
      await stack.client.temporal.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
  }
  await stack?.stop();
});

test('close and pay again answer 409 PAYMENT_ALREADY_SUCCEEDED from the record', async () => {
  await expectCode(stack, `/v1/payments/${p.id}/close`, 409, 'PAYMENT_ALREADY_SUCCEEDED');
  await expectCode(stack, `/v1/payments/${p.id}/attempts`, 409, 'PAYMENT_ALREADY_SUCCEEDED');
});

test('GET and the typed client answer the payment from the record', async () => {
  const got = await stack.api('GET', `/v1/payments/${p.id}`);
  expect({ status: got.status, paymentStatus: got.body?.status }).toEqual({
    status: 200,
    paymentStatus: 'SUCCEEDED',
  });
  expect(await stack.client.get('m_demo', p.outTradeNo)).toMatchObject({ id: p.id, status: 'SUCCEEDED' });
});

test('a channel notify sent again answers success, is recorded and goes to the late-money workflow', async () => {
  started.push(await expectLateNotifyTaken(stack, p));
});

test('past its deadline, a replay of the paid order is a 200 replay, not ORDER_EXPIRED', async () => {
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(deadline) - Date.now() + 500)));
  const replay = await stack.api('POST', '/v1/payments', { body: p.body });
  expect({ status: replay.status, replayed: replay.headers.get('idempotent-replayed') }).toEqual({
    status: 200,
    replayed: 'true',
  });
  expect(replay.body).toMatchObject({ id: p.id, status: 'SUCCEEDED' });
  expect(await describeOrNull(stack, p.workflowId)).toBeNull();
});

test('a replay with another amount answers 409 IDEMPOTENCY_MISMATCH; no new workflow adopts the row', async () => {
  // A deadline still ahead: the create must not take the path of a new order either.
  const other = await stack.api('POST', '/v1/payments', {
    body: { ...p.body, amount: 2000, orderDeadline: inSeconds(600) },
  });
  expect({ status: other.status, code: other.body?.code }).toEqual({
    status: 409,
    code: 'IDEMPOTENCY_MISMATCH',
  });
  expect(await describeOrNull(stack, p.workflowId)).toBeNull();
  const rows = await stack.pool.query(
    'SELECT amount, status FROM payments WHERE merchant_id = $1 AND out_trade_no = $2',
    ['m_demo', p.outTradeNo],
  );
  expect(rows.rows).toEqual([{ amount: 1999, status: 'SUCCEEDED' }]);
});

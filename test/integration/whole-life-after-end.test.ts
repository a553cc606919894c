import { PaymentClient } from '../../src/client/payment-client';
import { PaymentRepository } from '../../src/db/payment-repository';
import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';
import { paymentWorkflowId } from '../../src/domain/ids';
import { eventually, inMinutes, startTestStack, type TestStack } from './support/test-stack';
import {
  createPayment,
  describeOrNull,
  expectCode,
  expectLateNotifyTaken,
  workflowClosed,
  type PaidPayment,
} from './support/whole-life';

/**
 * Contract section 2, "A payment's whole life": every entry answers by the contract after the payment's
 * workflow has completed (a 3 s grace window here). Issue 7, "What was seen" items 1 and 9.
 */
let stack: TestStack;
const started: string[] = [];
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `life-end-${process.pid}`, workflowOptions: { graceMs: 3_000 } });
});
afterAll(async () => {
  for (const id of started) {
    await stack.client.temporal.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  }
  await stack?.stop();
});

async function refundAndSettle(paymentId: string, outRefundNo: string, amount: number): Promise<void> {
  const r = await stack.api('POST', `/v1/payments/${paymentId}/refunds`, { body: { outRefundNo, amount } });
  expect(r.status).toBe(201);
  await eventually(async () => {
    const g = await stack.api('GET', `/v1/refunds/${r.body.id}`);
    return g.body?.status === 'SUCCEEDED' ? true : undefined;
  }, 60_000);
}

describe('a paid payment after its workflow completed', () => {
  let p: PaidPayment;
  let runId: string | undefined;
  beforeAll(async () => {
    p = await createPayment(stack, {
      token: 'sim_success',
      orderDeadline: inMinutes(10),
      status: 'SUCCEEDED',
    });
    expect(await workflowClosed(stack, p.workflowId)).toBe('COMPLETED');
    runId = (await describeOrNull(stack, p.workflowId))?.runId;
  });

  test('close answers 409 PAYMENT_ALREADY_SUCCEEDED', async () => {
    await expectCode(stack, `/v1/payments/${p.id}/close`, 409, 'PAYMENT_ALREADY_SUCCEEDED');
  });

  test('pay again answers 409 PAYMENT_ALREADY_SUCCEEDED', async () => {
    await expectCode(stack, `/v1/payments/${p.id}/attempts`, 409, 'PAYMENT_ALREADY_SUCCEEDED');
  });

  test('a channel notify sent again answers success, is recorded and goes to the late-money workflow', async () => {
    started.push(await expectLateNotifyTaken(stack, p));
  });

  test('after a refund: GET, the typed client and a replayed create show the current refundedAmount', async () => {
    await refundAndSettle(p.id, 'R-end-1', 500);
    const got = await stack.api('GET', `/v1/payments/${p.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: 'SUCCEEDED', refundedAmount: 500 });
    expect(await stack.client.get('m_demo', p.outTradeNo)).toMatchObject({ refundedAmount: 500 });
    const replay = await stack.api('POST', '/v1/payments', { body: p.body });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ id: p.id, status: 'SUCCEEDED', refundedAmount: 500 });
  });

  test('a replay with another amount answers 409 IDEMPOTENCY_MISMATCH and starts nothing', async () => {
    const other = await stack.api('POST', '/v1/payments', { body: { ...p.body, amount: 2000 } });
    expect({ status: other.status, code: other.body?.code }).toEqual({
      status: 409,
      code: 'IDEMPOTENCY_MISMATCH',
    });
    expect((await describeOrNull(stack, p.workflowId))?.runId).toBe(runId);
  });
});

test('a closed payment after its workflow ended: close again 200, operator cancel 200, pay again PAYMENT_CLOSED', async () => {
  const p = await createPayment(stack, {
    token: 'sim_never_pay',
    orderDeadline: inMinutes(10),
    status: 'PROCESSING',
  });
  const closed = await stack.api('POST', `/v1/payments/${p.id}/close`);
  expect(closed.body).toMatchObject({ status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
  await workflowClosed(stack, p.workflowId);

  const again = await stack.api('POST', `/v1/payments/${p.id}/close`);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id: p.id, status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
  const cancel = await stack.api('POST', `/v1/ops/payments/${p.id}/cancel`, {
    key: DEFAULT_DEMO_KEYS.adminKey,
    body: { reason: 'whole life test' },
  });
  expect(cancel.status).toBe(200);
  expect(cancel.body).toMatchObject({ id: p.id, status: 'CLOSED' });
  await expectCode(stack, `/v1/payments/${p.id}/attempts`, 409, 'PAYMENT_CLOSED');
});

test('while the workflow still runs, a replayed create and the typed client answer the current refundedAmount', async () => {
  // Its own client with a long grace window, on the same worker: the workflow stays open throughout.
  const client = new PaymentClient(stack.client.temporal, {
    taskQueue: stack.taskQueue,
    records: new PaymentRepository(stack.pool),
    workflowOptions: { pollInitialMs: 1_000, pollMaxMs: 5_000, graceMs: 120_000 },
  });
  const body = {
    outTradeNo: `life-open-${Date.now()}`,
    amount: 1999,
    currency: 'CNY',
    subject: 'Whole life',
    orderDeadline: inMinutes(10),
    method: { type: 'bank_card', token: 'sim_success' },
  };
  const workflowId = paymentWorkflowId('m_demo', body.outTradeNo);
  started.push(workflowId);
  const { payment } = await client.create('m_demo', body);
  await eventually(async () =>
    (await client.get('m_demo', body.outTradeNo))?.status === 'SUCCEEDED' ? true : undefined,
  );
  await refundAndSettle(payment.id, 'R-open-1', 700);
  const replay = await client.create('m_demo', body);
  expect(replay).toMatchObject({ created: false, payment: { id: payment.id, refundedAmount: 700 } });
  expect(await client.get('m_demo', body.outTradeNo)).toMatchObject({ refundedAmount: 700 });
  // The operator query's answer and its audit entry agree with the record (item 9).
  const q = await stack.api('POST', `/v1/ops/payments/${payment.id}/query`, {
    key: DEFAULT_DEMO_KEYS.operatorKey,
    body: { reason: 'whole life test' },
  });
  expect({ status: q.status, refundedAmount: q.body?.refundedAmount }).toEqual({
    status: 200,
    refundedAmount: 700,
  });
  const audit = await stack.pool.query(
    "SELECT before->'refundedAmount' AS before, after->'refundedAmount' AS after FROM audit_log WHERE target_id = $1 AND action = 'payment.query'",
    [payment.id],
  );
  expect(audit.rows).toEqual([{ before: 700, after: 700 }]);
  expect((await describeOrNull(stack, workflowId))?.status.name).toBe('RUNNING');
});

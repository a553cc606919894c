import { paymentWorkflowId } from '../../src/domain/ids';
import { channelNotifySignal, getPaymentQuery, PaymentStatusKey } from '../../src/workflows/contract';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

const GRACE_MS = 2_500;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `end-${process.pid}`, workflowOptions: { graceMs: GRACE_MS } });
});
afterAll(async () => stack?.stop());

async function paid(amount = 2000) {
  const outTradeNo = orderNo('end');
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo,
      amount,
      currency: 'CNY',
      subject: 'Chair',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token: 'sim_success' },
    },
  });
  expect(r.status).toBe(201);
  const p = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${r.body.id}`);
    return g.body.status === 'SUCCEEDED' ? g.body : undefined;
  });
  return { ...p, workflowId: paymentWorkflowId('m_demo', outTradeNo) } as {
    id: string;
    outTradeNo: string;
    orderDeadline: string;
    workflowId: string;
  };
}

test('a refund that settles while the workflow runs is in its view: getPayment and a replayed create answer the current refundedAmount', async () => {
  const p = await paid(2000);
  const r = await stack.api('POST', `/v1/payments/${p.id}/refunds`, {
    body: { outRefundNo: `r-${p.id}`, amount: 600 },
  });
  expect(r.status).toBe(201);
  await eventually(async () => {
    const g = await stack.api('GET', `/v1/refunds/${r.body.id}`);
    return g.body.status === 'SUCCEEDED' ? true : undefined;
  });
  const view = await eventually(async () => {
    const v = await stack.client.temporal.workflow.getHandle(p.workflowId).query(getPaymentQuery);
    return v?.refundedAmount === 600 ? v : undefined;
  });
  expect(view.status).toBe('SUCCEEDED');
  const replay = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: p.outTradeNo,
      amount: 2000,
      currency: 'CNY',
      subject: 'Chair',
      orderDeadline: p.orderDeadline,
    },
  });
  expect(replay.status).toBe(200);
  expect(replay.body.refundedAmount).toBe(600);
});

test('Updates still arriving when the grace window ends are answered, and the workflow completes with its final PaymentStatus', async () => {
  const p = await paid();
  const handle = stack.client.temporal.workflow.getHandle(p.workflowId);
  // The record is written inside the workflow task, the search attribute when that task completes: wait for it.
  await eventually(async () =>
    (await handle.describe()).typedSearchAttributes.get(PaymentStatusKey) === 'SUCCEEDED' ? true : undefined,
  );
  let answered = 0;
  let refused = 0;
  let done = false;
  // Operator queries back to back across the end of the window: some are queued when it ends.
  const sender = async () => {
    while (!done) {
      await stack.client
        .operatorQuery('m_demo', p.outTradeNo)
        .then(() => (answered += 1))
        .catch(() => (refused += 1));
    }
  };
  const senders = [sender(), sender(), sender()];
  const status = await eventually(
    async () => {
      const d = await handle.describe();
      return d.status.name === 'RUNNING' ? undefined : d;
    },
    GRACE_MS + 20_000,
    200,
  ).finally(() => (done = true));
  await Promise.all(senders);
  expect(status.status.name).toBe('COMPLETED');
  expect(status.typedSearchAttributes.get(PaymentStatusKey)).toBe('SUCCEEDED');
  expect(answered).toBeGreaterThan(0);
  // Every Update the workflow accepted was answered in its history (none left open when it completed).
  const history = await handle.fetchHistory();
  const accepted = (history.events ?? []).filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
  ).length;
  const completed = (history.events ?? []).filter(
    (e) => e.workflowExecutionUpdateCompletedEventAttributes,
  ).length;
  expect(completed).toBe(accepted);
  expect(refused + answered).toBeGreaterThan(0);
});

test('a replayed notify body (same notify id) is processed once, however often it is signalled', async () => {
  const outTradeNo = orderNo('dedupe');
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo,
      amount: 800,
      currency: 'CNY',
      subject: 'Pen',
      orderDeadline: inMinutes(10),
      method: { type: 'wallet', token: 'sim_never_pay' },
    },
  });
  expect((await stack.api('POST', `/v1/payments/${r.body.id}/close`)).body.status).toBe('CLOSED');
  const handle = stack.client.temporal.workflow.getHandle(paymentWorkflowId('m_demo', outTradeNo));
  const queries = async () =>
    ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'channelQuery',
    ).length;
  const before = await queries();
  // A success for the closed attempt is checked with the channel (which reports it closed): once.
  const notice = {
    channel: 'sandbox',
    channelOutTradeNo: r.body.attempts[0].channelOutTradeNo,
    channelTradeNo: 'T-dup',
    status: 'PAID' as const,
    amount: 800,
    paidAt: new Date().toISOString(),
    notifyId: `dup-${Date.now()}`,
  };
  for (let i = 0; i < 3; i++) await handle.signal(channelNotifySignal, notice);
  await eventually(async () => ((await queries()) > before ? true : undefined));
  await new Promise((res) => setTimeout(res, 1_000));
  expect((await queries()) - before).toBe(1);
  const late = await stack.pool.query('SELECT 1 FROM late_payments WHERE payment_id = $1', [r.body.id]);
  expect(late.rowCount).toBe(0);
});

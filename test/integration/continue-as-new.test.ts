import { PaymentClient } from '../../src/client/payment-client';
import { paymentWorkflowId } from '../../src/domain/ids';
import {
  channelNotifySignal,
  getPaymentQuery,
  MerchantIdKey,
  OutTradeNoKey,
  PaymentStatusKey,
} from '../../src/workflows/contract';
import {
  eventually,
  inMinutes,
  inSeconds,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    taskQueue: `can-${process.pid}`,
    // Polling compressed to milliseconds, a small history cap: days of waiting in well under a minute.
    workflowOptions: { pollInitialMs: 0, pollMaxMs: 0, maxHistoryEvents: 2_000, graceMs: 1_000 },
  });
});
afterAll(async () => stack?.stop());

interface RunSummary {
  runId: string;
  status: string;
  polls: number;
  events: number;
}

async function runsOf(workflowId: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for await (const w of stack.client.temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await stack.client.temporal.workflow.getHandle(workflowId, w.runId).fetchHistory();
    const events = history.events ?? [];
    const polls = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'channelQuery',
    ).length;
    runs.push({ runId: w.runId, status: w.status.name, polls, events: events.length });
  }
  return runs;
}

test('over a thousand polls continue as new with the whole state: more than one run, each bounded, and the payment still correct', async () => {
  const outTradeNo = orderNo('can');
  const created = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo,
      amount: 4200,
      currency: 'CNY',
      subject: 'Long wait',
      orderDeadline: inSeconds(80),
      method: { type: 'wallet', token: 'sim_never_pay' },
    },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const workflowId = paymentWorkflowId('m_demo', outTradeNo);
  const firstRun = (await stack.client.temporal.workflow.getHandle(workflowId).describe()).runId;

  // While it waits: a later run still answers as the same payment, and a replayed create is still a replay.
  await eventually(
    async () => {
      const d = await stack.client.temporal.workflow.getHandle(workflowId).describe();
      return d.runId !== firstRun ? true : undefined;
    },
    40_000,
    500,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; runs so far ${JSON.stringify(await runsOf(workflowId))}`);
  });
  const view = await stack.client.temporal.workflow.getHandle(workflowId).query(getPaymentQuery);
  expect(view).toMatchObject({ id, status: 'PROCESSING', amount: 4200 });
  const replay = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo,
      amount: 4200,
      currency: 'CNY',
      subject: 'Long wait',
      orderDeadline: created.body.orderDeadline,
    },
  });
  expect(replay.status).toBe(200);
  expect(replay.body.id).toBe(id);
  expect(replay.body.nextAction).toEqual(created.body.nextAction);

  const closed = await eventually(
    async () => {
      const g = await stack.api('GET', `/v1/payments/${id}`);
      return g.body.status === 'CLOSED' ? g.body : undefined;
    },
    90_000,
    500,
  );
  expect(closed).toMatchObject({
    closeReason: 'EXPIRED',
    attempts: [expect.objectContaining({ status: 'CLOSED' })],
  });
  expect((await stack.channels.get('sandbox').query(closed.attempts[0].channelOutTradeNo)).status).toBe(
    'CLOSED',
  );
  await eventually(
    async () =>
      (await stack.client.temporal.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED'
        ? true
        : undefined,
    20_000,
    500,
  );

  const runs = await runsOf(workflowId);
  const total = runs.reduce((n, r) => n + r.polls, 0);
  expect(runs.length).toBeGreaterThan(1);
  expect(runs.filter((r) => r.status === 'CONTINUED_AS_NEW').length).toBe(runs.length - 1);
  expect(total).toBeGreaterThan(1_000);
  // Each run stays near its cap (the last poll's events and the continue-as-new itself come after it).
  for (const r of runs) expect(r.events).toBeLessThan(2_100);
  // One status history of one payment across all runs: created, processing, closed.
  const history = await stack.pool.query(
    'SELECT to_status FROM payment_status_history WHERE payment_id = $1 AND attempt_no IS NULL ORDER BY id',
    [id],
  );
  expect(history.rows.map((r) => r.to_status)).toEqual(['CREATED', 'PROCESSING', 'CLOSED']);
}, 180_000);

test("continue-as-new in the grace window keeps the window's end and the final status", async () => {
  const graceMs = 8_000;
  const client = new PaymentClient(stack.client.temporal, {
    taskQueue: stack.taskQueue,
    workflowOptions: { graceMs, maxHistoryEvents: 80 },
  });
  const outTradeNo = orderNo('can-grace');
  const { payment } = await client.create('m_demo', {
    outTradeNo,
    amount: 300,
    currency: 'CNY',
    subject: 'Grace',
    orderDeadline: inMinutes(10),
    method: { type: 'bank_card', token: 'sim_success' },
  });
  const paid = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${payment.id}`);
    return g.body.status === 'SUCCEEDED' ? g.body : undefined;
  });
  const succeededAt = Date.now();
  const workflowId = paymentWorkflowId('m_demo', outTradeNo);
  const handle = stack.client.temporal.workflow.getHandle(workflowId);
  // Stale notifies (each its own notify id) change nothing but grow the history past the cap.
  for (let i = 0; i < 40; i++) {
    await handle.signal(channelNotifySignal, {
      channel: 'sandbox',
      channelOutTradeNo: paid.attempts[0].channelOutTradeNo,
      channelTradeNo: paid.attempts[0].channelTradeNo,
      status: 'WAIT_BUYER_PAY',
      amount: 300,
      paidAt: null,
      notifyId: `stale-${i}-${Date.now()}`,
    });
  }
  await eventually(
    async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined),
    graceMs + 15_000,
    250,
  );
  const runs = await runsOf(workflowId);
  expect(runs.length).toBeGreaterThan(1);
  // The last run carried the first run's window end (set when the payment succeeded), not a fresh one.
  const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = JSON.parse(Buffer.from(started!.input!.payloads![0]!.data!).toString('utf8'));
  expect(input.resume.phase.kind).toBe('GRACE');
  expect(input.resume.phase.graceEnd).toBeLessThanOrEqual(succeededAt + graceMs);
  expect(input.resume.run).toBeGreaterThanOrEqual(1);
  expect(await handle.query(getPaymentQuery)).toMatchObject({ id: payment.id, status: 'SUCCEEDED' });
  // The later runs are still found by their search attributes.
  const sa = (await handle.describe()).typedSearchAttributes;
  expect([sa.get(PaymentStatusKey), sa.get(MerchantIdKey), sa.get(OutTradeNoKey)]).toEqual([
    'SUCCEEDED',
    'm_demo',
    outTradeNo,
  ]);
});

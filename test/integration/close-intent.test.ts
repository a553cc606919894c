import { PaymentClient } from '../../src/client/payment-client';
import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';
import { paymentWorkflowId } from '../../src/domain/ids';
import {
  eventually,
  inMinutes,
  inSeconds,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

const OPERATOR = DEFAULT_DEMO_KEYS.operatorKey;
const ADMIN = DEFAULT_DEMO_KEYS.adminKey;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    taskQueue: `intent-${process.pid}`,
    workflowOptions: { pollInitialMs: 300, pollMaxMs: 1_000 },
  });
});
afterAll(async () => stack?.stop());

async function waitingPayment(orderDeadline: string) {
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('intent'),
      amount: 990,
      currency: 'CNY',
      subject: 'Lamp',
      orderDeadline,
      method: { type: 'wallet', token: 'sim_never_pay' },
    },
  });
  expect(r.status).toBe(201);
  return r.body as { id: string; attempts: Array<{ channelOutTradeNo: string }> };
}

/** Timed: every entry answers within a few seconds (contract section 1), however the channel does. */
async function timed(method: string, path: string, opts: Parameters<TestStack['api']>[2] = {}) {
  const t = Date.now();
  const r = await stack.api(method, path, opts);
  expect(Date.now() - t).toBeLessThan(8_000);
  return r;
}

/** Watches the payment's status until stopped: PROCESSING must never come back. */
function watchStatuses(id: string) {
  const seen = new Set<string>();
  let on = true;
  const done = (async () => {
    while (on) {
      seen.add((await stack.api('GET', `/v1/payments/${id}`)).body.status);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    seen,
    stop: async () => {
      on = false;
      await done;
    },
  };
}

test('a merchant close the channel cannot confirm is kept: UNKNOWN meanwhile, never PROCESSING, then CLOSED/MERCHANT_CLOSED once the channel is back', async () => {
  const p = await waitingPayment(inMinutes(10));
  await stack.sandboxDown();
  let watch: ReturnType<typeof watchStatuses> | null = null;
  try {
    const close = await timed('POST', `/v1/payments/${p.id}/close`);
    expect(close.status).toBe(409);
    expect(close.body.code).toBe('PAYMENT_STATUS_UNKNOWN');
    watch = watchStatuses(p.id);
    // Every entry still answers while the close is pending.
    const again = await timed('POST', `/v1/payments/${p.id}/close`);
    expect(again.body.code).toBe('PAYMENT_STATUS_UNKNOWN');
    const cancel = await timed('POST', `/v1/ops/payments/${p.id}/cancel`, {
      key: ADMIN,
      body: { reason: 'drill: cancel while the channel is down' },
    });
    expect(cancel.body.code).toBe('PAYMENT_STATUS_UNKNOWN');
    const query = await timed('POST', `/v1/ops/payments/${p.id}/query`, {
      key: OPERATOR,
      body: { reason: 'drill: query while the channel is down' },
    });
    expect(query.status).toBe(200);
    expect(query.body.status).toBe('UNKNOWN');
    const payAgain = await timed('POST', `/v1/payments/${p.id}/attempts`, { body: {} });
    expect(payAgain.body.code).toBe('PAYMENT_STATUS_UNKNOWN');
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('UNKNOWN');
  } finally {
    await stack.sandboxUp();
  }
  const closed = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${p.id}`);
    return g.body.status === 'CLOSED' ? g.body : undefined;
  }, 30_000);
  await watch.stop();
  expect(closed.closeReason).toBe('MERCHANT_CLOSED');
  expect(watch.seen.has('PROCESSING')).toBe(false);
  // The buyer cannot pay it at the channel (the restarted sandbox either closed it or never knew it).
  const q = await stack.channels.get('sandbox').query(p.attempts[0]!.channelOutTradeNo);
  expect(['CLOSED', 'NOT_FOUND']).toContain(q.status);
});

test('at the deadline with the channel down, Updates are still answered and the expiry close is retried until confirmed', async () => {
  const p = await waitingPayment(inSeconds(4));
  await stack.sandboxDown();
  try {
    await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${p.id}`);
      return g.body.status === 'UNKNOWN' ? true : undefined;
    }, 30_000);
    const query = await timed('POST', `/v1/ops/payments/${p.id}/query`, {
      key: OPERATOR,
      body: { reason: 'drill: query past the deadline' },
    });
    expect(query.status).toBe(200);
    expect(query.body.status).toBe('UNKNOWN');
    const close = await timed('POST', `/v1/payments/${p.id}/close`);
    expect(close.body.code).toBe('PAYMENT_STATUS_UNKNOWN');
  } finally {
    await stack.sandboxUp();
  }
  const closed = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${p.id}`);
    return g.body.status === 'CLOSED' ? g.body : undefined;
  }, 30_000);
  expect(closed.closeReason).toBe('EXPIRED');
});

test('a pending close is carried over continue-as-new and confirmed by a later run', async () => {
  const client = new PaymentClient(stack.client.temporal, {
    taskQueue: stack.taskQueue,
    workflowOptions: { pollInitialMs: 300, pollMaxMs: 500, maxHistoryEvents: 60 },
  });
  const outTradeNo = orderNo('intent-can');
  const { payment } = await client.create('m_demo', {
    outTradeNo,
    amount: 450,
    currency: 'CNY',
    subject: 'Kept',
    orderDeadline: inMinutes(10),
    method: { type: 'wallet', token: 'sim_never_pay' },
  });
  const handle = stack.client.temporal.workflow.getHandle(paymentWorkflowId('m_demo', outTradeNo));
  const firstRun = (await handle.describe()).runId;
  await stack.sandboxDown();
  try {
    await expect(client.close('m_demo', outTradeNo)).rejects.toMatchObject({
      code: 'PAYMENT_STATUS_UNKNOWN',
    });
    // The close is retried while the channel is down until the run's history reaches its cap.
    await eventually(
      async () => ((await handle.describe()).runId !== firstRun ? true : undefined),
      60_000,
      500,
    );
    const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = JSON.parse(Buffer.from(started!.input!.payloads![0]!.data!).toString('utf8'));
    expect(input.resume.intent).toMatchObject({ closeReason: 'MERCHANT_CLOSED' });
    expect(input.resume.view.status).toBe('UNKNOWN');
  } finally {
    await stack.sandboxUp();
  }
  const closed = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${payment.id}`);
    return g.body.status === 'CLOSED' ? g.body : undefined;
  }, 30_000);
  expect(closed.closeReason).toBe('MERCHANT_CLOSED');
}, 150_000);

import { kill, spawnWorker, waitForLine } from './support/child-worker';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `crash-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

test('a worker killed with SIGKILL mid-payment, then restarted: the payment completes exactly once', async () => {
  const first = spawnWorker(stack);
  await waitForLine(first, /worker polling/);
  const outTradeNo = orderNo('kill');
  // The pay call of sim_timeout_then_success hangs at the channel: kill the worker while it is in flight.
  const creating = stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo,
      amount: 880,
      currency: 'CNY',
      subject: 'Book',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token: 'sim_timeout_then_success' },
    },
  });
  const channelOutTradeNo = await eventually(async () => {
    const r = await stack.pool.query<{ channel_out_trade_no: string }>(
      'SELECT a.channel_out_trade_no FROM payment_attempts a JOIN payments p ON p.id = a.payment_id WHERE p.out_trade_no = $1',
      [outTradeNo],
    );
    return r.rows[0]?.channel_out_trade_no;
  });
  // Kill only once the pay call has reached the channel (the trade exists there), so the crash is mid-call.
  await eventually(async () =>
    (await stack.channels.get('sandbox').query(channelOutTradeNo)).status !== 'NOT_FOUND' ? true : undefined,
  );
  await kill(first, 'SIGKILL');
  const second = spawnWorker(stack);
  try {
    await waitForLine(second, /worker polling/);
    const created = await creating;
    expect(created.status).toBe(201);
    const paid = await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${created.body.id}`);
      return g.body.status === 'SUCCEEDED' ? g.body : undefined;
    }, 90_000).catch(async (err: Error) => {
      // Say where it stopped: the payment as recorded and the workflow's event history.
      const g = await stack.api('GET', `/v1/payments/${created.body.id}`);
      const h = await stack.client.temporal.workflow.getHandle(`payment-m_demo-${outTradeNo}`).fetchHistory();
      const events = (h.events ?? []).map((e) => e.eventType).join(',');
      throw new Error(`${err.message}; payment ${JSON.stringify(g.body)}; events ${events}`);
    });
    expect(paid.attempts).toHaveLength(1);
    expect(paid.attempts[0].status).toBe('SUCCEEDED');
    const history = await stack.pool.query(
      "SELECT count(*) FROM payment_status_history WHERE payment_id = $1 AND attempt_no IS NULL AND to_status = 'SUCCEEDED'",
      [paid.id],
    );
    expect(Number(history.rows[0].count)).toBe(1);
    const q = await stack.channels.get('sandbox').query(paid.attempts[0].channelOutTradeNo);
    expect(q.status).toBe('PAID');
  } finally {
    await kill(second, 'SIGTERM');
  }
});

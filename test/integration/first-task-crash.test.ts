import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill, spawnWorker, waitForLine } from './support/child-worker';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `first-crash-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

test('a worker killed right after the record writes of the first task: the trade is still created, once, and the create answers with its next action', async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'crash-')), 'killed');
  const first = spawnWorker(stack, {
    entry: join(__dirname, 'support', 'crash-worker.ts'),
    env: { CRASH_AFTER_STATUS_REASON: 'attempt started', CRASH_MARKER: marker },
  });
  await waitForLine(first, /worker polling/);
  const exited = new Promise<void>((resolve) => first.once('exit', () => resolve()));
  const outTradeNo = orderNo('first-crash');
  // No token: a QR-code payment, whose create answers with the cashier's next action.
  const creating = stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo,
      amount: 1200,
      currency: 'CNY',
      subject: 'Tea',
      orderDeadline: inMinutes(10),
      method: { type: 'wallet' },
    },
  });
  await exited; // killed itself after 'attempt started' committed, before the pay call
  const rows = await stack.pool.query(
    'SELECT a.status FROM payment_attempts a JOIN payments p ON p.id = a.payment_id WHERE p.out_trade_no = $1',
    [outTradeNo],
  );
  expect(rows.rows).toEqual([{ status: 'PROCESSING' }]);

  const second = spawnWorker(stack);
  try {
    await waitForLine(second, /worker polling/);
    const created = await creating;
    expect(created.status).toBe(201);
    expect(created.body.nextAction).toMatchObject({ type: 'qr_code' });
    expect(created.body.attempts).toHaveLength(1);
    // The channel has the trade, for this attempt's trade number (a QR payment is paid ~0.2 s later).
    const q = await stack.channels.get('sandbox').query(created.body.attempts[0].channelOutTradeNo);
    expect(['WAIT_BUYER_PAY', 'PAID']).toContain(q.status);
    const paid = await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${created.body.id}`);
      return g.body.status === 'SUCCEEDED' ? g.body : undefined;
    });
    expect(paid.attempts).toHaveLength(1);
    const bill = await stack.channels.get('sandbox').query(paid.attempts[0].channelOutTradeNo);
    expect(bill).toMatchObject({ status: 'PAID', amount: 1200 });
  } finally {
    await kill(second, 'SIGTERM');
  }
});

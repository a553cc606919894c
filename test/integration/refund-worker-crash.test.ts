import { beijingDay } from '../../src/channels/beijing-time';
import { RefundClient } from '../../src/client/refund-client';
import { RefundRepository } from '../../src/db/refund-repository';
import { kill, spawnWorker, waitForLine } from './support/child-worker';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';
import { channelBill } from './support/channel-bill';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `refund-crash-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

test('a worker killed with SIGKILL mid-refund (in its retry backoff), then restarted: one payout, SUCCEEDED', async () => {
  const refunds = RefundClient.alongside(stack.client, stack.pool);
  const first = spawnWorker(stack);
  let second: ReturnType<typeof spawnWorker> | null = null;
  try {
    await waitForLine(first, /worker polling/);

    // A payment that succeeds normally; its channel trade refuses the first refund call (retryable).
    const created = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo: orderNo('rkill'),
        amount: 1500,
        currency: 'CNY',
        subject: 'Refund crash',
        orderDeadline: inMinutes(10),
        method: { type: 'bank_card', token: 'sim_refund_fail_once' },
      },
    });
    expect(created.status).toBe(201);
    const paid = await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${created.body.id}`);
      return g.body?.status === 'SUCCEEDED' ? g.body : undefined;
    }, 60_000);
    const channelOutTradeNo: string = paid.attempts[0].channelOutTradeNo;

    const r = await stack.api('POST', `/v1/payments/${paid.id}/refunds`, {
      body: { outRefundNo: 'R-crash', amount: 1500 },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('PROCESSING');
    const refundId: string = r.body.id;

    // The first channel call was refused (retryable): the workflow now sleeps in its backoff (1 s). Kill it there.
    await eventually(
      async () => {
        const p = await refunds.progress(refundId);
        return p && p.retryableFailures >= 1 ? p : undefined;
      },
      60_000,
      25,
    );
    await kill(first, 'SIGKILL');

    // Killed mid-refund: still PROCESSING, nothing paid out yet.
    const during = await stack.pool.query<{ status: string; out_request_no: string }>(
      'SELECT status, out_request_no FROM refunds WHERE id = $1',
      [refundId],
    );
    expect(during.rows[0]!.status).toBe('PROCESSING');
    const outRequestNo = during.rows[0]!.out_request_no;
    const sandbox = stack.channels.get('sandbox');
    expect((await sandbox.refundQuery(channelOutTradeNo, outRequestNo)).status).not.toBe('SUCCEEDED');

    second = spawnWorker(stack);
    await waitForLine(second, /worker polling/);

    const done = await eventually(async () => {
      const g = await stack.api('GET', `/v1/refunds/${refundId}`);
      return g.body?.status === 'SUCCEEDED' ? g.body : undefined;
    }, 60_000);
    expect(done).toMatchObject({ id: refundId, amount: 1500, status: 'SUCCEEDED', code: null });
    expect(done.succeededAt).toEqual(expect.any(String));

    const payment = await stack.api('GET', `/v1/payments/${paid.id}`);
    expect(payment.body.refundedAmount).toBe(1500);
    expect(payment.body.status).toBe('SUCCEEDED');

    // The channel paid out exactly once, under the refund's own request number.
    expect(await sandbox.refundQuery(channelOutTradeNo, outRequestNo)).toMatchObject({
      status: 'SUCCEEDED',
      amount: 1500,
    });
    const rows = (await channelBill(sandbox, beijingDay(new Date()))).filter(
      (row) => row.kind === 'REFUND' && row.outTradeNo === channelOutTradeNo,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 1500, outRefundNo: outRequestNo });

    // One PROCESSING → SUCCEEDED transition, and the workflow remembers the refusal across the crash.
    expect((await new RefundRepository(stack.pool).historyOf(refundId)).map((h) => h.to)).toEqual([
      'PROCESSING',
      'SUCCEEDED',
    ]);
    expect(await refunds.progress(refundId)).toMatchObject({ status: 'SUCCEEDED', retryableFailures: 1 });
  } finally {
    await kill(first, 'SIGKILL');
    if (second) await kill(second, 'SIGTERM');
  }
}, 180_000);

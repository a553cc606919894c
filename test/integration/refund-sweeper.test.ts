import { Client, Connection } from '@temporalio/client';
import { beijingDay } from '../../src/channels/beijing-time';
import { RefundClient } from '../../src/client/refund-client';
import { RefundRepository } from '../../src/db/refund-repository';
import { DomainError } from '../../src/domain/domain-errors';
import { refundIdFromUuid } from '../../src/domain/refund';
import { RefundSweeper } from '../../src/worker/refund-sweeper';
import { eventually, freePort, inMinutes, startTestStack, type TestStack } from './support/test-stack';
import { createPayment, describeOrNull, type PaidPayment } from './support/whole-life';
import { randomUUID } from 'node:crypto';
import { channelBill } from './support/channel-bill';

/**
 * Issue 7 item 6: a refund reserved while Temporal is down has no workflow. The refund sweeper (in the
 * worker) starts it; the sandbox's books show the refund made once.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `refund-sweep-${process.pid}` });
});
afterAll(async () => stack?.stop());

async function refundRow(paymentId: string, outRefundNo: string) {
  const r = await stack.pool.query<{
    id: string;
    status: string;
    workflow_id: string;
    out_request_no: string;
  }>(
    'SELECT id, status, workflow_id, out_request_no FROM refunds WHERE payment_id = $1 AND out_refund_no = $2',
    [paymentId, outRefundNo],
  );
  return r.rows[0];
}

async function expectRefundedAtSandbox(p: PaidPayment, outRequestNo: string, amount: number): Promise<void> {
  const books = await stack.channels
    .get('sandbox')
    .refundQuery(p.attempts[0]!.channelOutTradeNo, outRequestNo);
  expect(books).toMatchObject({ status: 'SUCCEEDED', amount });
}

test('a refund reserved while Temporal is unreachable: the caller gets an error (503), the sweeper starts it, SUCCEEDED at the sandbox', async () => {
  const p = await createPayment(stack, {
    token: 'sim_success',
    orderDeadline: inMinutes(10),
    status: 'SUCCEEDED',
  });

  // A refund client whose Temporal does not answer: the reservation commits, the start fails.
  const dead = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const deadRefunds = new RefundClient(new Client({ connection: dead }), stack.pool, {
    taskQueue: stack.taskQueue,
  });
  const err: unknown = await dead
    .withDeadline(Date.now() + 3_000, () =>
      deadRefunds.create('m_demo', p.id, { outRefundNo: 'R-sweep-1', amount: 600 }),
    )
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(DomainError); // so the API answers 503 SERVICE_UNAVAILABLE
  const stranded = await refundRow(p.id, 'R-sweep-1');
  expect(stranded?.status).toBe('PROCESSING');
  expect(await describeOrNull(stack, stranded!.workflow_id)).toBeNull();

  // A sweep leaves a refund alone while it is younger than minAge (the API's own start may be on its way).
  const refunds = RefundClient.alongside(stack.client, stack.pool);
  await new RefundSweeper({ refunds, pool: stack.pool, minAgeMs: 600_000 }).sweepOnce();
  expect(await describeOrNull(stack, stranded!.workflow_id)).toBeNull();

  const sweeper = new RefundSweeper({ refunds, pool: stack.pool, minAgeMs: 0 });
  expect(await sweeper.sweepOnce()).toBeGreaterThanOrEqual(1);
  const run = await describeOrNull(stack, stranded!.workflow_id);
  expect(run?.taskQueue).toBe(stack.taskQueue);
  await eventually(
    async () => ((await refundRow(p.id, 'R-sweep-1'))?.status === 'SUCCEEDED' ? true : undefined),
    60_000,
  );
  await expectRefundedAtSandbox(p, stranded!.out_request_no, 600);
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.refundedAmount).toBe(600);

  // Sweeping again starts nothing more for it: the refund is final.
  await sweeper.sweepOnce();
  expect((await describeOrNull(stack, stranded!.workflow_id))?.runId).toBe(run?.runId);
  await dead.close();
});

test("the worker's own refund sweeper starts a reservation that has no workflow", async () => {
  const p = await createPayment(stack, {
    token: 'sim_success',
    orderDeadline: inMinutes(10),
    status: 'SUCCEEDED',
  });
  // The reservation exactly as RefundClient.create commits it, and no start after (the API crashed, or Temporal was down).
  await new RefundRepository(stack.pool).reserveMerchantRefund({
    merchantId: 'm_demo',
    paymentId: p.id,
    outRefundNo: 'R-sweep-2',
    amount: 1999,
    reason: null,
    refundId: refundIdFromUuid(randomUUID()),
    at: new Date().toISOString(),
  });
  const row = await eventually(
    async () => {
      const r = await refundRow(p.id, 'R-sweep-2');
      return r?.status === 'SUCCEEDED' ? r : undefined;
    },
    60_000,
    500,
  );
  await expectRefundedAtSandbox(p, row.out_request_no, 1999);
});

test('a refund whose run was terminated mid-way is started again, with the same request number: one payout', async () => {
  const p = await createPayment(stack, {
    token: 'sim_refund_fail_once',
    orderDeadline: inMinutes(10),
    status: 'SUCCEEDED',
  });
  const r = await stack.api('POST', `/v1/payments/${p.id}/refunds`, {
    body: { outRefundNo: 'R-sweep-3', amount: 900 },
  });
  expect(r.status).toBe(201);
  const refunds = RefundClient.alongside(stack.client, stack.pool);
  // The first channel call was refused (retryable): the run sleeps in its backoff. Terminate it there.
  await eventually(
    async () => ((await refunds.progress(r.body.id))?.retryableFailures ?? 0) >= 1 || undefined,
    60_000,
    25,
  );
  const row = await refundRow(p.id, 'R-sweep-3');
  await stack.client.temporal.workflow.getHandle(row!.workflow_id).terminate('operator stopped it');
  expect((await refundRow(p.id, 'R-sweep-3'))?.status).toBe('PROCESSING');

  expect(
    await new RefundSweeper({ refunds, pool: stack.pool, minAgeMs: 0 }).sweepOnce(),
  ).toBeGreaterThanOrEqual(1);
  await eventually(
    async () => ((await refundRow(p.id, 'R-sweep-3'))?.status === 'SUCCEEDED' ? true : undefined),
    60_000,
  );
  await expectRefundedAtSandbox(p, row!.out_request_no, 900);
  // The channel paid out once, under the refund's own request number, though two runs called it.
  const rows = (await channelBill(stack.channels.get('sandbox'), beijingDay(new Date()))).filter(
    (b) => b.kind === 'REFUND' && b.outTradeNo === p.attempts[0]!.channelOutTradeNo,
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ amount: 900, outRefundNo: row!.out_request_no });
});

import { createRefundActivities } from '../../src/activities/refund-activities';
import { beijingDay } from '../../src/channels/beijing-time';
import { RefundClient } from '../../src/client/refund-client';
import { LatePaymentRepository } from '../../src/db/late-payment-repository';
import { RefundRepository } from '../../src/db/refund-repository';
import {
  autoRefundWorkflowId,
  getRefundQuery,
  REFUND_WORKFLOW_TYPE,
} from '../../src/workflows/refund/refund-contract';
import {
  eventually,
  inMinutes,
  MERCHANT2_KEY,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';
import { channelBill } from './support/channel-bill';

let stack: TestStack;
let refundClient: RefundClient;
let repo: RefundRepository;

beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `refunds-${process.pid}` });
  refundClient = RefundClient.alongside(stack.client, stack.pool);
  repo = new RefundRepository(stack.pool);
});
afterAll(async () => stack?.stop());

const REFUND_KEYS = [
  'amount',
  'code',
  'createdAt',
  'currency',
  'id',
  'outRefundNo',
  'paymentId',
  'reason',
  'status',
  'succeededAt',
];

async function paidPayment(token = 'sim_success', amount = 1999) {
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('rf'),
      amount,
      currency: 'CNY',
      subject: 'Refundable coffee',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token },
    },
  });
  expect(r.status).toBe(201);
  return eventually(async () => {
    const p = await stack.api('GET', `/v1/payments/${r.body.id}`);
    return p.body?.status === 'SUCCEEDED' ? p.body : undefined;
  });
}

const refund = (paymentId: string, body: unknown, key?: string | null) =>
  stack.api('POST', `/v1/payments/${paymentId}/refunds`, { body, key });

async function refundUntil(id: string, status: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const r = await stack.api('GET', `/v1/refunds/${id}`);
    return r.body?.status === status ? r.body : undefined;
  }, timeoutMs);
}

async function moneyOf(paymentId: string) {
  const r = await stack.pool.query<{ refunded_amount: number; refund_reserved: number }>(
    'SELECT refunded_amount, refund_reserved FROM payments WHERE id = $1',
    [paymentId],
  );
  return r.rows[0]!;
}

async function outRequestNoOf(refundId: string): Promise<string> {
  const r = await stack.pool.query<{ out_request_no: string }>(
    'SELECT out_request_no FROM refunds WHERE id = $1',
    [refundId],
  );
  return r.rows[0]!.out_request_no;
}

/** The sandbox's bill rows of today for one trade: what the channel really paid out. */
async function channelRefundRows(channelOutTradeNo: string) {
  const rows = await channelBill(stack.channels.get('sandbox'), beijingDay(new Date()));
  return rows.filter((row) => row.kind === 'REFUND' && row.outTradeNo === channelOutTradeNo);
}

describe('merchant refunds through HTTP', () => {
  test('partial and multiple refunds up to the full amount, then nothing more', async () => {
    const p = await paidPayment();
    const first = await refund(p.id, { outRefundNo: 'R-1', amount: 500, reason: 'one cup was cold' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(Object.keys(first.body).sort()).toEqual(REFUND_KEYS);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^ref_[0-9a-f]{32}$/),
      paymentId: p.id,
      outRefundNo: 'R-1',
      amount: 500,
      currency: 'CNY',
      reason: 'one cup was cold',
      status: 'PROCESSING',
      code: null,
      succeededAt: null,
    });
    const second = await refund(p.id, { outRefundNo: 'R-2', amount: 1499 });
    expect(second.status).toBe(201);
    expect(second.body.reason).toBeNull();

    const done1 = await refundUntil(first.body.id, 'SUCCEEDED');
    const done2 = await refundUntil(second.body.id, 'SUCCEEDED');
    expect(done1.succeededAt).toEqual(expect.any(String));
    expect(Date.parse(done2.succeededAt)).toBeGreaterThanOrEqual(Date.parse(done2.createdAt));

    const after = await stack.api('GET', `/v1/payments/${p.id}`);
    expect(after.body.refundedAmount).toBe(1999);
    expect(after.body.status).toBe('SUCCEEDED');
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 1999, refund_reserved: 1999 });

    const more = await refund(p.id, { outRefundNo: 'R-3', amount: 1 });
    expect(more.status).toBe(422);
    expect(more.body.code).toBe('REFUND_EXCEEDS_AVAILABLE');
    expect(more.headers.get('content-type')).toContain('application/problem+json');

    const list = await stack.api('GET', `/v1/payments/${p.id}/refunds`);
    expect(list.status).toBe(200);
    expect(list.body.refunds.map((x: { outRefundNo: string }) => x.outRefundNo)).toEqual(['R-1', 'R-2']);
    expect(list.body.refunds.every((x: { status: string }) => x.status === 'SUCCEEDED')).toBe(true);

    // At the channel: exactly these two refunds, each under its own request number.
    const rows = await channelRefundRows(p.attempts[0].channelOutTradeNo);
    expect(rows.map((x) => x.amount).sort((a, b) => a - b)).toEqual([500, 1499]);
    expect(new Set(rows.map((x) => x.outRefundNo))).toEqual(new Set([first.body.id, second.body.id]));

    expect(await repo.historyOf(first.body.id)).toEqual([
      { from: null, to: 'PROCESSING', reason: 'requested', code: null },
      { from: 'PROCESSING', to: 'SUCCEEDED', reason: expect.any(String), code: null },
    ]);
    // The status history is append-only.
    await expect(
      stack.pool.query("UPDATE refund_status_history SET reason = 'x' WHERE refund_id = $1", [first.body.id]),
    ).rejects.toThrow(/append-only/);
  });

  test('replay: same outRefundNo and amount → 200 with the same refund; another amount → 409', async () => {
    const p = await paidPayment();
    const a = await refund(p.id, { outRefundNo: 'SAME', amount: 300 });
    expect(a.status).toBe(201);
    const b = await refund(p.id, { outRefundNo: 'SAME', amount: 300, reason: 'said differently' });
    expect(b.status).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body.id).toBe(a.body.id);
    const c = await refund(p.id, { outRefundNo: 'SAME', amount: 301 });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('IDEMPOTENCY_MISMATCH');
    await refundUntil(a.body.id, 'SUCCEEDED');
    // A replay after it finished answers it as it is now, and never refunds twice.
    const d = await refund(p.id, { outRefundNo: 'SAME', amount: 300 });
    expect(d.status).toBe(200);
    expect(d.body.status).toBe('SUCCEEDED');
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 300, refund_reserved: 300 });
    expect(await channelRefundRows(p.attempts[0].channelOutTradeNo)).toHaveLength(1);
  });

  test('a payment that has not succeeded: 409 PAYMENT_NOT_SUCCEEDED, nothing recorded', async () => {
    const r = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo: orderNo('rf-unpaid'),
        amount: 1000,
        currency: 'CNY',
        subject: 'Never paid',
        orderDeadline: inMinutes(10),
        method: { type: 'bank_card', token: 'sim_never_pay' },
      },
    });
    expect(r.status).toBe(201);
    const x = await refund(r.body.id, { outRefundNo: 'R-1', amount: 100 });
    expect(x.status).toBe(409);
    expect(x.body.code).toBe('PAYMENT_NOT_SUCCEEDED');
    const rows = await stack.pool.query('SELECT 1 FROM refunds WHERE payment_id = $1', [r.body.id]);
    expect(rows.rowCount).toBe(0);
  });

  test('more than the amount: 422 REFUND_EXCEEDS_AVAILABLE; bad input: 400; unknown payment: 404', async () => {
    const p = await paidPayment();
    const x = await refund(p.id, { outRefundNo: 'R-big', amount: 2000 });
    expect(x.status).toBe(422);
    expect(x.body.code).toBe('REFUND_EXCEEDS_AVAILABLE');
    for (const body of [
      { outRefundNo: 'R-1', amount: 0 },
      { outRefundNo: 'R-1', amount: 1.5 },
      { outRefundNo: 'R-1', amount: '100' },
      { outRefundNo: 'R-1', amount: -1 },
      { outRefundNo: 'R-1', amount: 100_000_000_001 },
      { outRefundNo: 'has space', amount: 1 },
      { outRefundNo: 'x'.repeat(65), amount: 1 },
      { outRefundNo: 'auto-1', amount: 1 },
      { outRefundNo: 'R-1', amount: 1, reason: 'r'.repeat(257) },
      { amount: 1 },
    ]) {
      const bad = await refund(p.id, body);
      expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    // A path id that names nothing is 404 whatever its shape (contract section 1).
    expect(
      (await stack.api('POST', '/v1/payments/nope/refunds', { body: { outRefundNo: 'a', amount: 1 } }))
        .status,
    ).toBe(404);
    expect((await stack.api('GET', '/v1/refunds/ref_nope')).status).toBe(404);
    const unknown = await refund(`pay_${'0'.repeat(32)}`, { outRefundNo: 'R-1', amount: 1 });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await stack.api('GET', `/v1/refunds/ref_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await stack.api('GET', `/v1/payments/pay_${'0'.repeat(32)}/refunds`)).status).toBe(404);
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 0, refund_reserved: 0 });
    // The OpenAPI document describes the refund endpoints.
    const doc = await stack.api('GET', '/openapi.json', { key: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/payments/{id}/refunds', '/v1/refunds/{id}']),
    );
    // No key: 401 whatever the body.
    expect((await refund(p.id, { nonsense: true }, null)).status).toBe(401);
  });

  test("another merchant's payment and refunds are not found (404)", async () => {
    const p = await paidPayment();
    const mine = await refund(p.id, { outRefundNo: 'R-1', amount: 100 });
    expect(mine.status).toBe(201);
    const theirs = await refund(p.id, { outRefundNo: 'R-2', amount: 100 }, MERCHANT2_KEY);
    expect([theirs.status, theirs.body.code]).toEqual([404, 'NOT_FOUND']);
    const get = await stack.api('GET', `/v1/refunds/${mine.body.id}`, { key: MERCHANT2_KEY });
    expect(get.status).toBe(404);
    const list = await stack.api('GET', `/v1/payments/${p.id}/refunds`, { key: MERCHANT2_KEY });
    expect(list.status).toBe(404);
    await refundUntil(mine.body.id, 'SUCCEEDED');
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 100, refund_reserved: 100 });
  });

  test('50 concurrent refunds that together exceed the amount: refunded total ≤ amount, every excess 422', async () => {
    const p = await paidPayment('sim_success', 1999);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => refund(p.id, { outRefundNo: `C-${i}`, amount: 100 })),
    );
    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    expect(created).toHaveLength(19);
    expect(refused).toHaveLength(31);
    expect(refused.every((a) => a.status === 422 && a.body.code === 'REFUND_EXCEEDS_AVAILABLE')).toBe(true);

    const held = await stack.pool.query<{ total: number }>(
      "SELECT COALESCE(SUM(amount), 0)::bigint AS total FROM refunds WHERE payment_id = $1 AND status IN ('PROCESSING','SUCCEEDED')",
      [p.id],
    );
    expect(held.rows[0]!.total).toBeLessThanOrEqual(1999);
    expect((await moneyOf(p.id)).refund_reserved).toBe(1900);

    for (const a of created) await refundUntil(a.body.id, 'SUCCEEDED', 60_000);
    const money = await moneyOf(p.id);
    expect(money.refunded_amount).toBe(1900);
    expect(money.refunded_amount).toBeLessThanOrEqual(1999);
    const rows = await channelRefundRows(p.attempts[0].channelOutTradeNo);
    expect(rows).toHaveLength(19);
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(1900);
  });
});

describe('the refund workflow', () => {
  test('the final status and its merchant event (outbox) are written together', async () => {
    const r0 = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo: orderNo('rf-notify'),
        amount: 900,
        currency: 'CNY',
        subject: 'Notified refund',
        orderDeadline: inMinutes(10),
        method: { type: 'bank_card', token: 'sim_success' },
        notifyUrl: 'http://127.0.0.1:9/refund-hook',
      },
    });
    expect(r0.status).toBe(201);
    await eventually(async () => {
      const p = await stack.api('GET', `/v1/payments/${r0.body.id}`);
      return p.body?.status === 'SUCCEEDED' ? true : undefined;
    });
    const r = await refund(r0.body.id, { outRefundNo: 'R-notify', amount: 900 });
    const done = await refundUntil(r.body.id, 'SUCCEEDED');
    const events = await stack.pool.query<{ type: string; payload: { type: string; data: unknown } }>(
      'SELECT type, payload FROM merchant_notifications WHERE refund_id = $1',
      [r.body.id],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]!.type).toBe('refund.succeeded');
    expect(events.rows[0]!.payload.data).toEqual(done);
  });

  test('sim_refund_fail_once: the retryable refusal is retried with the same number and ends SUCCEEDED, one payout', async () => {
    const p = await paidPayment('sim_refund_fail_once', 1200);
    const r = await refund(p.id, { outRefundNo: 'R-once', amount: 1200 });
    expect(r.status).toBe(201);
    const done = await refundUntil(r.body.id, 'SUCCEEDED');
    expect(done.code).toBeNull();
    const progress = await refundClient.progress(r.body.id);
    expect(progress).toMatchObject({ status: 'SUCCEEDED', retryableFailures: 1, outRequestNo: r.body.id });
    expect(progress!.channelCalls).toBeGreaterThanOrEqual(2);

    const outRequestNo = await outRequestNoOf(r.body.id);
    const q = await stack.channels.get('sandbox').refundQuery(p.attempts[0].channelOutTradeNo, outRequestNo);
    expect(q).toMatchObject({ status: 'SUCCEEDED', amount: 1200 });
    const rows = await channelRefundRows(p.attempts[0].channelOutTradeNo);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 1200, outRefundNo: outRequestNo });
    expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.refundedAmount).toBe(1200);
    // Found next to its payment in the Temporal UI.
    const query = `WorkflowType = "${REFUND_WORKFLOW_TYPE}" AND MerchantId = "m_demo" AND OutTradeNo = "${p.outTradeNo}" AND Channel = "sandbox" AND ExecutionStatus = "Completed"`;
    await eventually(async () =>
      (await stack.client.temporal.workflow.count(query)).count === 1 ? true : undefined,
    );
  });

  test('re-entrant: the channel already refunded this number (answer lost) → SUCCEEDED, still one payout', async () => {
    const p = await paidPayment('sim_success', 800);
    await stack.stopWorker();
    let refundId: string;
    try {
      const r = await refund(p.id, { outRefundNo: 'R-lost', amount: 800 });
      expect(r.status).toBe(201);
      refundId = r.body.id;
      // A previous call got through to the channel, and its answer was lost.
      const outRequestNo = await outRequestNoOf(refundId);
      const direct = await stack.channels.get('sandbox').refund({
        outTradeNo: p.attempts[0].channelOutTradeNo,
        outRequestNo,
        amount: 800,
        currency: 'CNY',
      });
      expect(direct.outcome).toBe('SUCCEEDED');
    } finally {
      await stack.startWorker();
    }
    await refundUntil(refundId, 'SUCCEEDED');
    const rows = await channelRefundRows(p.attempts[0].channelOutTradeNo);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.amount).toBe(800);
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 800, refund_reserved: 800 });
  });

  test('re-entrant: the refund activity run twice pays out once', async () => {
    const p = await paidPayment('sim_success', 600);
    const acts = createRefundActivities({ refunds: repo, channels: stack.channels });
    const input = {
      channel: 'sandbox',
      outTradeNo: p.attempts[0].channelOutTradeNo,
      outRequestNo: `twice-${Date.now()}`,
      amount: 250,
      currency: 'CNY',
    };
    expect((await acts.channelRefund(input)).outcome).toBe('SUCCEEDED');
    expect((await acts.channelRefund(input)).outcome).toBe('SUCCEEDED');
    const q = await acts.channelRefundQuery(input);
    expect(q).toMatchObject({ status: 'SUCCEEDED', amount: 250 });
    const rows = await channelRefundRows(p.attempts[0].channelOutTradeNo);
    expect(rows).toHaveLength(1);
  });

  test('a non-retryable refusal ends FAILED and releases the reservation; operator retry keeps the number', async () => {
    const p = await paidPayment('sim_success', 1000);
    const trade = p.attempts[0].channelOutTradeNo;
    // 500 refunded at the channel outside this service: the channel will refuse anything above 500.
    const outside = await stack.channels.get('sandbox').refund({
      outTradeNo: trade,
      outRequestNo: `outside-${Date.now()}`,
      amount: 500,
      currency: 'CNY',
    });
    expect(outside.outcome).toBe('SUCCEEDED');

    const r = await refund(p.id, { outRefundNo: 'R-too-much', amount: 600 });
    expect(r.status).toBe(201);
    const failed = await refundUntil(r.body.id, 'FAILED');
    expect(failed.code).toEqual(expect.any(String));
    expect(failed.succeededAt).toBeNull();
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 0, refund_reserved: 0 });
    // Operators find it: a failed refund workflow next to its payment.
    const failedQuery = `WorkflowType = "${REFUND_WORKFLOW_TYPE}" AND OutTradeNo = "${p.outTradeNo}" AND ExecutionStatus = "Failed"`;
    await eventually(async () =>
      (await stack.client.temporal.workflow.count(failedQuery)).count === 1 ? true : undefined,
    );

    // Operator retry: back to PROCESSING with the amount reserved again, same channel number, same workflow id.
    const numberBefore = await outRequestNoOf(r.body.id);
    const retried = await refundClient.retryFailed(r.body.id, 'operator: try again');
    expect(retried.reopened).toBe(true);
    expect(retried.refund.status).toBe('PROCESSING');
    expect(retried.refund.code).toBeNull();
    expect((await moneyOf(p.id)).refund_reserved).toBe(600);
    await refundUntil(r.body.id, 'FAILED');
    expect(await outRequestNoOf(r.body.id)).toBe(numberBefore);
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 0, refund_reserved: 0 });
    expect((await repo.historyOf(r.body.id)).map((h) => h.to)).toEqual([
      'PROCESSING',
      'FAILED',
      'PROCESSING',
      'FAILED',
    ]);
    // A retry of a refund that is not FAILED changes nothing.
    const ok = await refund(p.id, { outRefundNo: 'R-fits', amount: 500 });
    await refundUntil(ok.body.id, 'SUCCEEDED');
    const notFailed = await refundClient.retryFailed(ok.body.id);
    expect(notFailed).toMatchObject({ reopened: false, refund: { status: 'SUCCEEDED' } });
    // Now 500 of 1000 are held: the failed 600 no longer fits.
    await expect(refundClient.retryFailed(r.body.id)).rejects.toMatchObject({
      code: 'REFUND_EXCEEDS_AVAILABLE',
    });
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 500, refund_reserved: 500 });
    expect((await channelRefundRows(trade)).map((x) => x.amount).sort()).toEqual([500, 500]);
  });

  test('automatic refund of late money: recordLateRefund, then the workflow started by id with { refundId }', async () => {
    const p = await paidPayment('sim_success', 700);
    const attempt = p.attempts[0];
    await new LatePaymentRepository(stack.pool).record({
      paymentId: p.id,
      attemptNo: attempt.attemptNo,
      channel: attempt.channel,
      channelTradeNo: attempt.channelTradeNo,
      amount: 700,
      reason: 'DUPLICATE_PAYMENT',
    });
    const acts = createRefundActivities({ refunds: repo, channels: stack.channels });
    const late = {
      paymentId: p.id,
      attemptNo: attempt.attemptNo,
      kind: 'DUPLICATE_PAYMENT' as const,
      amount: 700,
      currency: 'CNY',
      channel: attempt.channel,
      channelOutTradeNo: attempt.channelOutTradeNo,
    };
    const first = await acts.recordLateRefund(late);
    expect(first).toEqual({
      refundId: expect.stringMatching(/^ref_[0-9a-f]{32}$/),
      workflowId: `refund-${p.id}-auto-${attempt.attemptNo}`,
      created: true,
    });
    expect(first.workflowId).toBe(autoRefundWorkflowId(p.id, attempt.attemptNo));
    const again = await acts.recordLateRefund(late);
    expect(again).toEqual({ ...first, created: false });

    // As the payment workflow would start its child: by id, with only { refundId }, no search attributes.
    const handle = await stack.client.temporal.workflow.start(REFUND_WORKFLOW_TYPE, {
      workflowId: first.workflowId,
      taskQueue: stack.taskQueue,
      args: [{ refundId: first.refundId }],
    });
    const view = await handle.result();
    expect(view).toMatchObject({
      id: first.refundId,
      outRefundNo: 'auto-1',
      status: 'SUCCEEDED',
      amount: 700,
    });
    expect(await handle.query(getRefundQuery)).toMatchObject({
      kind: 'DUPLICATE_PAYMENT',
      status: 'SUCCEEDED',
    });
    // Late money is outside the captured amount: the payment's refund counters stay as they were.
    expect(await moneyOf(p.id)).toEqual({ refunded_amount: 0, refund_reserved: 0 });
    const lp = await stack.pool.query<{ refund_status: string }>(
      'SELECT refund_status FROM late_payments WHERE payment_id = $1',
      [p.id],
    );
    expect(lp.rows[0]!.refund_status).toBe('SUCCEEDED');
    const rows = await channelRefundRows(attempt.channelOutTradeNo);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outRefundNo).toBe(first.refundId);
    // Listed with the payment's refunds; the workflow set its own search attributes.
    const list = await stack.api('GET', `/v1/payments/${p.id}/refunds`);
    expect(list.body.refunds).toEqual([
      expect.objectContaining({ id: first.refundId, reason: 'DUPLICATE_PAYMENT' }),
    ]);
    const query = `WorkflowId = "${first.workflowId}" AND MerchantId = "m_demo" AND OutTradeNo = "${p.outTradeNo}" AND Channel = "sandbox"`;
    await eventually(async () =>
      (await stack.client.temporal.workflow.count(query)).count === 1 ? true : undefined,
    );
  });
});

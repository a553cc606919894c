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
  stack = await startTestStack({ taskQueue: `idempotency-${process.pid}` });
});
afterAll(async () => stack?.stop());

const body = (outTradeNo: string, extra: Record<string, unknown> = {}) => ({
  outTradeNo,
  amount: 2500,
  currency: 'CNY',
  subject: 'Tea',
  orderDeadline: inMinutes(10),
  method: { type: 'wallet', token: 'sim_never_pay' },
  ...extra,
});

test('a replay answers 200 with the payment as it is now; different values answer 409', async () => {
  const b = body(orderNo('idem'));
  const first = await stack.api('POST', '/v1/payments', { body: b });
  expect(first.status).toBe(201);
  const replay = await stack.api('POST', '/v1/payments', { body: b });
  expect(replay.status).toBe(200);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body.id).toBe(first.body.id);
  for (const change of [{ amount: 2501 }, { currency: 'USD' }, { orderDeadline: inMinutes(20) }]) {
    const mismatch = await stack.api('POST', '/v1/payments', { body: { ...b, ...change } });
    expect(mismatch.status).toBe(409);
    expect(mismatch.headers.get('content-type')).toContain('application/problem+json');
    expect(mismatch.body.code).toBe('IDEMPOTENCY_MISMATCH');
  }
  // The same instant written with another offset is the same deadline.
  const sameInstant = new Date(b.orderDeadline).toISOString().replace('Z', '+00:00');
  const replay2 = await stack.api('POST', '/v1/payments', { body: { ...b, orderDeadline: sameInstant } });
  expect(replay2.status).toBe(200);
});

test('50 concurrent identical creates: one 201, one payment, one workflow, one channel trade', async () => {
  const b = body(orderNo('race'), { method: { type: 'bank_card', token: 'sim_never_pay' } });
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => stack.api('POST', '/v1/payments', { body: b })),
  );
  const statuses = answers.map((a) => a.status).sort();
  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 200)).toHaveLength(49);
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  const rows = await stack.pool.query(
    'SELECT id FROM payments WHERE merchant_id = $1 AND out_trade_no = $2',
    ['m_demo', b.outTradeNo],
  );
  expect(rows.rowCount).toBe(1);
  const attempts = await stack.pool.query(
    'SELECT channel_out_trade_no FROM payment_attempts WHERE payment_id = $1',
    [answers[0]!.body.id],
  );
  expect(attempts.rowCount).toBe(1);
  const executions = await stack.client.temporal.workflow.count(
    `WorkflowId = "payment-m_demo-${b.outTradeNo}"`,
  );
  expect(executions.count).toBe(1);
});

test('an orderDeadline already past answers 422 ORDER_EXPIRED and creates nothing', async () => {
  const b = body(orderNo('late'), { orderDeadline: inSeconds(-5) });
  const r = await stack.api('POST', '/v1/payments', { body: b });
  expect(r.status).toBe(422);
  expect(r.body.code).toBe('ORDER_EXPIRED');
  const rows = await stack.pool.query('SELECT 1 FROM payments WHERE out_trade_no = $1', [b.outTradeNo]);
  expect(rows.rowCount).toBe(0);
});

test('the typed client gives the same answers as HTTP', async () => {
  const b = body(orderNo('client'));
  const created = await stack.client.create('m_demo', b);
  expect(created.created).toBe(true);
  const replay = await stack.client.create('m_demo', b);
  expect(replay).toMatchObject({ created: false, payment: { id: created.payment.id } });
  await expect(stack.client.create('m_demo', { ...b, amount: 1 })).rejects.toMatchObject({
    code: 'IDEMPOTENCY_MISMATCH',
  });
  await expect(stack.client.create('m_demo', { ...b, amount: -1 })).rejects.toMatchObject({
    code: 'VALIDATION_ERROR',
  });
  const got = await stack.client.get('m_demo', b.outTradeNo);
  expect(got?.id).toBe(created.payment.id);
  const closed = await stack.client.close('m_demo', b.outTradeNo);
  expect(closed.status).toBe('CLOSED');
  await expect(stack.client.payAgain('m_demo', b.outTradeNo, {})).rejects.toMatchObject({
    code: 'PAYMENT_CLOSED',
  });
  expect(await stack.client.get('m_demo', orderNo('nothing'))).toBeNull();
  await eventually(async () =>
    (await stack.client.get('m_demo', b.outTradeNo))?.status === 'CLOSED' ? true : undefined,
  );
});

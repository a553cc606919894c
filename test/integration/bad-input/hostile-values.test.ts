import { PaymentClient } from '../../../src/client/payment-client';
import { MerchantRepository } from '../../../src/db/merchant-repository';
import { inMinutes, orderNo, startTestStack, type TestStack } from '../support/test-stack';

/**
 * Issue 8, items 1-3: values PostgreSQL refuses (NUL, lone surrogates, year 0, 5,000 levels of
 * metadata) used to reach the record activity, which retried for ever: the request never answered
 * and the order number was poisoned. Each is now a 400 at the edge, answered at once, and a clean
 * request with the same outTradeNo then succeeds. A worker runs, so a request that got through would
 * really start a payment.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `hostile-${process.pid}` });
});
afterAll(async () => stack?.stop());

const valid = (outTradeNo = orderNo('hostile')) => ({
  outTradeNo,
  amount: 100,
  currency: 'CNY',
  subject: 'Thing',
  orderDeadline: inMinutes(5),
  method: { type: 'bank_card', token: 'sim_never_pay' },
});

/** Metadata nested 5,000 levels deep, as raw JSON (JSON.stringify itself gives up on it in jest). */
const DEEP = `${'{"d":'.repeat(5_000)}"leaf"${'}'.repeat(5_000)}`;
const send = (body: unknown) =>
  typeof body === 'string' && body.startsWith('{')
    ? { raw: body, headers: { 'content-type': 'application/json' } }
    : { body };

const cases: Array<[string, (b: Record<string, unknown>) => unknown, string]> = [
  ['NUL in subject', (b) => ({ ...b, subject: 'Cof\u0000fee' }), 'subject'],
  ['escape in subject', (b) => ({ ...b, subject: 'Cof\u001bfee' }), 'subject'],
  ['lone surrogate in subject', (b) => ({ ...b, subject: 'Cof\ud800fee' }), 'subject'],
  [
    'NUL in method.token',
    (b) => ({ ...b, method: { type: 'bank_card', token: 'sim\u0000' } }),
    'method.token',
  ],
  [
    'lone surrogate in method.token',
    (b) => ({ ...b, method: { type: 'bank_card', token: '\ud800' } }),
    'method.token',
  ],
  [
    'newline in method.brand',
    (b) => ({ ...b, method: { type: 'bank_card', brand: 'A\nB' } }),
    'method.brand',
  ],
  ['NUL in a metadata key', (b) => ({ ...b, metadata: { ['k\u0000']: 'v' } }), 'metadata'],
  ['NUL in a metadata value', (b) => ({ ...b, metadata: { k: 'v\u0000' } }), 'metadata.k'],
  ['lone surrogate in metadata', (b) => ({ ...b, metadata: { k: ['ok', '\udc00'] } }), 'metadata.k.1'],
  [
    'metadata nested 5,000 levels',
    (b) => JSON.stringify({ ...b, metadata: 'DEEP' }).replace('"DEEP"', DEEP),
    '',
  ],
  ['NUL in notifyUrl', (b) => ({ ...b, notifyUrl: 'http://127.0.0.1:9/x\u0000y' }), 'notifyUrl'],
  ['year 0 orderCreatedAt', (b) => ({ ...b, orderCreatedAt: '0000-01-01T00:00:00Z' }), 'orderCreatedAt'],
  ['year 1999 orderCreatedAt', (b) => ({ ...b, orderCreatedAt: '1999-12-31T23:59:59Z' }), 'orderCreatedAt'],
  ['orderCreatedAt after orderDeadline', (b) => ({ ...b, orderCreatedAt: inMinutes(10) }), 'orderCreatedAt'],
  ['channel nope', (b) => ({ ...b, channel: 'nope' }), 'channel'],
  ['channel alipay (not the merchant’s)', (b) => ({ ...b, channel: 'alipay' }), 'channel'],
  ['channel constructor', (b) => ({ ...b, channel: 'constructor' }), 'channel'],
];

test.each(cases)(
  '%s: 400 naming the field, at once; nothing created; the order number stays usable',
  async (_n, mutate, field) => {
    const base = valid();
    const started = Date.now();
    const r = await stack.api('POST', '/v1/payments', send(mutate(base)));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.code).toBe('VALIDATION_ERROR');
    if (field) expect(r.text).toContain(field);
    const rows = await stack.pool.query('SELECT 1 FROM payments WHERE out_trade_no = $1', [base.outTradeNo]);
    expect(rows.rowCount).toBe(0);
    const wf = await stack.client.get('m_demo', base.outTradeNo);
    expect(wf).toBeNull();
    const clean = await stack.api('POST', '/v1/payments', { body: base });
    expect(clean.status).toBe(201);
  },
);

test('the typed client refuses the same values with VALIDATION_ERROR before any workflow starts', async () => {
  for (const [, mutate] of cases.filter(([n]) => !n.startsWith('channel'))) {
    const base = valid();
    const raw = mutate(base);
    await expect(
      stack.client.create('m_demo', typeof raw === 'string' ? JSON.parse(raw) : raw),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    expect(await stack.client.get('m_demo', base.outTradeNo)).toBeNull();
  }
});

test("a channel of the merchant's own list is accepted; pay again with a foreign channel is a 400", async () => {
  const ok = await stack.api('POST', '/v1/payments', {
    body: {
      ...valid(),
      channel: 'sandbox_backup',
      method: { type: 'bank_card', token: 'sim_decline_insufficient_funds' },
    },
  });
  expect(ok.status).toBe(201);
  expect(ok.body.attempts[0].channel).toBe('sandbox_backup');
  const again = await stack.api('POST', `/v1/payments/${ok.body.id}/attempts`, { body: { channel: 'nope' } });
  expect(again.status).toBe(400);
  expect(again.body.errors).toEqual([expect.objectContaining({ path: 'body.channel' })]);
  const attempts = await stack.pool.query('SELECT 1 FROM payment_attempts WHERE payment_id = $1', [
    ok.body.id,
  ]);
  expect(attempts.rowCount).toBe(1);
});

test('NUL in a refund reason is a 400 and reserves nothing', async () => {
  const p = await stack.api('POST', '/v1/payments', {
    body: { ...valid(), method: { type: 'bank_card', token: 'sim_success' } },
  });
  expect(p.status).toBe(201);
  const r = await stack.api('POST', `/v1/payments/${p.body.id}/refunds`, {
    body: { outRefundNo: 'R1', amount: 10, reason: 'oops\u0000' },
  });
  expect(r.status).toBe(400);
  expect(r.text).toContain('reason');
  expect((await stack.pool.query('SELECT 1 FROM refunds WHERE payment_id = $1', [p.body.id])).rowCount).toBe(
    0,
  );
});

test("the typed client, given the merchant's channels, refuses a foreign channel before any workflow starts", async () => {
  const merchants = new MerchantRepository(stack.pool);
  const client = new PaymentClient(stack.client.temporal, {
    taskQueue: stack.taskQueue,
    merchantChannels: async (id) => (await merchants.findMerchant(id))?.channels ?? null,
  });
  for (const channel of ['nope', 'alipay', 'constructor']) {
    const base = valid();
    await expect(client.create('m_demo', { ...base, channel })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      errors: [expect.objectContaining({ path: 'channel' })],
    });
    expect(await client.get('m_demo', base.outTradeNo)).toBeNull();
  }
});

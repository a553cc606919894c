import { assertNoDemoKeysInProduction, DEFAULT_DEMO_KEYS, seedDemo } from '../../../src/db/seed';
import { inMinutes, orderNo, startTestStack, type TestStack } from '../support/test-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `bad-input-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

const valid = () => ({
  outTradeNo: orderNo('bad'),
  amount: 100,
  currency: 'CNY',
  subject: 'Thing',
  orderDeadline: inMinutes(5),
});

const cases: Array<[string, (b: Record<string, unknown>) => unknown]> = [
  ['float amount', (b) => ({ ...b, amount: 19.99 })],
  ['string amount', (b) => ({ ...b, amount: '1999' })],
  ['negative amount', (b) => ({ ...b, amount: -1 })],
  ['amount above the maximum', (b) => ({ ...b, amount: 100_000_000_001 })],
  ['missing amount', ({ amount: _a, ...rest }) => rest],
  ['lower-case currency', (b) => ({ ...b, currency: 'cny' })],
  ['unknown currency', (b) => ({ ...b, currency: 'XYZ' })],
  ['outTradeNo too long', (b) => ({ ...b, outTradeNo: 'x'.repeat(65) })],
  ['outTradeNo with bad characters', (b) => ({ ...b, outTradeNo: 'a b/c' })],
  ['empty subject', (b) => ({ ...b, subject: '' })],
  ['deadline without offset', (b) => ({ ...b, orderDeadline: '2030-01-01T00:00:00' })],
  ['deadline not a date', (b) => ({ ...b, orderDeadline: 'tomorrow' })],
  ['unknown transaction type', (b) => ({ ...b, transactionType: 'STEAL' })],
  ['unknown source', (b) => ({ ...b, source: 'FAX' })],
  ['notifyUrl not a URL', (b) => ({ ...b, notifyUrl: 'not a url' })],
  ['method without type', (b) => ({ ...b, method: { token: 'sim_success' } })],
  ['metadata not an object', (b) => ({ ...b, metadata: 'x' })],
  ['body is an array', () => [1, 2]],
  ['body is a string', () => 'hello'],
  ['body is null', () => null],
];

test.each(cases)('%s: 400 problem+json, nothing created', async (_name, mutate) => {
  const base = valid();
  const r = await stack.api('POST', '/v1/payments', { body: mutate(base) });
  expect(r.status).toBe(400);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({
    status: 400,
    code: 'VALIDATION_ERROR',
    type: expect.any(String),
    title: expect.any(String),
  });
  const rows = await stack.pool.query('SELECT 1 FROM payments WHERE out_trade_no = $1', [base.outTradeNo]);
  expect(rows.rowCount).toBe(0);
});

test('malformed JSON, wrong media type and oversized bodies are 4xx problems', async () => {
  const broken = await stack.api('POST', '/v1/payments', {
    raw: '{"amount": ',
    headers: { 'content-type': 'application/json' },
  });
  expect(broken.status).toBe(400);
  expect(broken.body.code).toBe('VALIDATION_ERROR');
  const xml = await stack.api('POST', '/v1/payments', {
    raw: '<x/>',
    headers: { 'content-type': 'application/xml' },
  });
  expect(xml.status).toBe(415);
  const huge = await stack.api('POST', '/v1/payments', {
    raw: JSON.stringify({ subject: 'x'.repeat(600_000) }),
    headers: { 'content-type': 'application/json' },
  });
  expect(huge.status).toBe(413);
});

test('no key, a wrong key or a malformed header answers 401 whatever the body', async () => {
  for (const key of [null, 'sk_wrong', 'a b c']) {
    const r = await stack.api('POST', '/v1/payments', {
      key,
      raw: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('UNAUTHENTICATED');
  }
  const bearerless = await stack.api('GET', '/v1/payments/pay_00000000000000000000000000000000', {
    key: null,
    headers: { authorization: 'sk_test_demo_merchant' },
  });
  expect(bearerless.status).toBe(401);
});

test('operator keys cannot act as a merchant; bad ids and unknown routes are 4xx', async () => {
  const op = await stack.api('POST', '/v1/payments', { key: 'sk_test_demo_operator', body: valid() });
  expect(op.status).toBe(403);
  expect(op.body.code).toBe('FORBIDDEN');
  // A path id that names nothing the caller may see is 404 whatever its shape (contract section 1).
  for (const id of ['not-an-id', 'pay_doesnotexist', '%00', 'x'.repeat(5_000), '..%2F..']) {
    const r = await stack.api('GET', `/v1/payments/${id}`);
    expect([id.slice(0, 20), r.status, r.body?.code]).toEqual([id.slice(0, 20), 404, 'NOT_FOUND']);
  }
  const missing = await stack.api('GET', '/v1/payments/pay_00000000000000000000000000000000');
  expect(missing.status).toBe(404);
  expect(missing.body.code).toBe('NOT_FOUND');
  const noQuery = await stack.api('GET', '/v1/payments');
  expect(noQuery.status).toBe(400);
  const route = await stack.api('GET', '/v1/nothing-here');
  expect(route.status).toBe(404);
});

test('health, readiness and the OpenAPI document', async () => {
  expect((await stack.api('GET', '/healthz', { key: null })).status).toBe(200);
  expect((await stack.api('GET', '/readyz', { key: null })).status).toBe(200);
  const doc = await stack.api('GET', '/openapi.json', { key: null });
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toMatch(/^3\./);
  for (const path of [
    '/v1/payments',
    '/v1/payments/{id}',
    '/v1/payments/{id}/attempts',
    '/v1/payments/{id}/close',
    '/v1/channels/{channel}/notify',
  ]) {
    expect(Object.keys(doc.body.paths)).toContain(path);
  }
  const docs = await fetch(`${stack.apiUrl}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('<html');
});

test('with NODE_ENV=production the demo keys are refused: no seeding, and no start while one is accepted', async () => {
  await expect(seedDemo(stack.pool, DEFAULT_DEMO_KEYS, 'production')).rejects.toThrow(/NODE_ENV=production/);
  await expect(assertNoDemoKeysInProduction(stack.pool, 'production')).rejects.toThrow(
    /published demo API key/,
  );
  await expect(assertNoDemoKeysInProduction(stack.pool, 'development')).resolves.toBeUndefined();
});

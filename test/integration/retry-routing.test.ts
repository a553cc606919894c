import { MerchantRepository } from '../../src/db/merchant-repository';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

const ADMIN = 'sk_test_demo_admin';
const run = `${process.pid}${Date.now().toString(36)}`;
const industry = `ind_${run}`;

let stack: TestStack;
let merchantSeq = 0;

beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `retry-${process.pid}` });
});
afterAll(async () => stack?.stop());

/** A merchant of its own per test (routes sandbox → sandbox_backup), so rules never leak between tests. */
async function merchant(
  ind = industry,
  channels = ['sandbox', 'sandbox_backup'],
): Promise<{ id: string; key: string }> {
  merchantSeq += 1;
  const id = `m_rt${run}_${merchantSeq}`;
  const key = `sk_test_${id}`;
  const repo = new MerchantRepository(stack.pool);
  await repo.upsertMerchant({
    id,
    name: id,
    industry: ind,
    notifySecret: 'whsec_x',
    channels,
  });
  await repo.upsertApiKey(key, 'MERCHANT', id, id);
  return { id, key };
}

async function rule(ruleNo: string, fields: Record<string, unknown>): Promise<void> {
  const r = await stack.api('PUT', `/v1/ops/retry-rules/${ruleNo}`, {
    key: ADMIN,
    body: {
      channels: [],
      brands: [],
      currencies: ['CNY'],
      transactionTypes: ['PURCHASE'],
      codeMode: 'WHITELIST',
      codes: ['SYSTEM_ERROR'],
      sources: [],
      trafficPercent: 100,
      maxRetries: 3,
      maxWaitMs: 10_000,
      enabled: true,
      reason: 'retry routing test',
      ...fields,
    },
  });
  expect([200, 201]).toContain(r.status);
}

async function pay(key: string, token: string, extra: Record<string, unknown> = {}) {
  const r = await stack.api('POST', '/v1/payments', {
    key,
    body: {
      outTradeNo: orderNo('rt'),
      amount: 4200,
      currency: 'CNY',
      subject: 'Flight',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', brand: 'ABC_CREDIT', token },
      ...extra,
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

const attemptSummary = (p: { attempts: Array<{ channel: string; status: string }> }) =>
  p.attempts.map((a) => `${a.channel}:${a.status}`);

test('a matching whitelist rule moves a retryable decline to sandbox_backup, after the first attempt is final at sandbox', async () => {
  const m = await merchant();
  await rule(`w${run}a`, { merchantId: m.id });
  const created = await pay(m.key, 'sim_decline_system_error_once');
  expect(created.attempts[0]).toMatchObject({ channel: 'sandbox', status: 'FAILED', code: 'SYSTEM_ERROR' });
  expect(created.attempts[1]).toMatchObject({ attemptNo: 2, channel: 'sandbox_backup' });
  const paid = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${created.id}`, { key: m.key });
    return g.body.status === 'SUCCEEDED' ? g.body : undefined;
  });
  expect(attemptSummary(paid)).toEqual(['sandbox:FAILED', 'sandbox_backup:SUCCEEDED']);
  const first = await stack.channels.get('sandbox').query(paid.attempts[0].channelOutTradeNo);
  expect(first.status).toMatch(/^(NOT_FOUND|CLOSED)$/);
});

test.each([
  ['no rule at all', {}, 'sim_decline_system_error_once', {}],
  [
    'a wallet payment',
    { withRule: true },
    'sim_decline_system_error_once',
    { method: { type: 'wallet', token: 'sim_decline_system_error_once' } },
  ],
  [
    'a PAYOUT',
    { withRule: true, rule: { transactionTypes: [] } },
    'sim_decline_system_error_once',
    { transactionType: 'PAYOUT' },
  ],
  [
    'an AUTH',
    { withRule: true, rule: { transactionTypes: [] } },
    'sim_decline_system_error_once',
    { transactionType: 'AUTH' },
  ],
  [
    'a blacklisted code',
    { withRule: true, rule: { codeMode: 'BLACKLIST', codes: ['SYSTEM_ERROR'] } },
    'sim_decline_system_error_once',
    {},
  ],
  [
    'a code no retry can fix',
    { withRule: true, rule: { codeMode: 'BLACKLIST', codes: ['NOTHING'] } },
    'sim_decline_insufficient_funds',
    {},
  ],
  ['0 % traffic', { withRule: true, rule: { trafficPercent: 0 } }, 'sim_decline_system_error_once', {}],
  [
    'a total wait already spent',
    { withRule: true, rule: { maxWaitMs: 1 } },
    'sim_decline_system_error_once',
    {},
  ],
  ['a disabled rule', { withRule: true, rule: { enabled: false } }, 'sim_decline_system_error_once', {}],
])('no automatic retry for %s: AWAITING_RETRY with one attempt', async (_name, setup, token, extra) => {
  const m = await merchant();
  const s = setup as { withRule?: boolean; rule?: Record<string, unknown> };
  if (s.withRule) await rule(`n${run}${merchantSeq}`, { merchantId: m.id, ...s.rule });
  const created = await pay(m.key, token, extra);
  expect(created.status).toBe('AWAITING_RETRY');
  expect(created.attempts).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 500));
  const later = await stack.api('GET', `/v1/payments/${created.id}`, { key: m.key });
  expect(later.body.status).toBe('AWAITING_RETRY');
  expect(later.body.attempts).toHaveLength(1);
});

test('sim_decline_system_error: exactly maxRetries retries, then no more', async () => {
  const m = await merchant();
  await rule(`x${run}`, { merchantId: m.id, maxRetries: 1 });
  const created = await pay(m.key, 'sim_decline_system_error');
  expect(created.status).toBe('AWAITING_RETRY');
  expect(attemptSummary(created)).toEqual(['sandbox:FAILED', 'sandbox_backup:FAILED']);
  await new Promise((r) => setTimeout(r, 500));
  const later = await stack.api('GET', `/v1/payments/${created.id}`, { key: m.key });
  expect(later.body.attempts).toHaveLength(2);
});

test('retries stop when no channel is left, whatever maxRetries allows', async () => {
  const m = await merchant();
  await rule(`y${run}`, { merchantId: m.id, maxRetries: 3 });
  const created = await pay(m.key, 'sim_decline_system_error');
  expect(attemptSummary(created)).toEqual(['sandbox:FAILED', 'sandbox_backup:FAILED']);
});

test('retries never cross protocols unless a rule says so: Alipay accounts first, WeChat only when named', async () => {
  const all = ['sandbox', 'sandbox_backup', 'sandbox_wechat'];
  const m = await merchant(industry, all);
  await rule(`w${run}`, { merchantId: m.id, maxRetries: 3 });
  const created = await pay(m.key, 'sim_decline_system_error');
  expect(attemptSummary(created)).toEqual(['sandbox:FAILED', 'sandbox_backup:FAILED']);

  const named = await merchant(industry, all);
  await rule(`v${run}`, { merchantId: named.id, maxRetries: 3, channels: all });
  const crossed = await pay(named.key, 'sim_decline_system_error');
  expect(attemptSummary(crossed)).toEqual([
    'sandbox:FAILED',
    'sandbox_backup:FAILED',
    'sandbox_wechat:FAILED',
  ]);
});

test("a merchant's own rule wins over its industry's rule, both ways", async () => {
  const ind = `ind2_${run}`;
  await rule(`i${run}`, { industry: ind, merchantId: null });
  const blocked = await merchant(ind);
  await rule(`m${run}b`, { merchantId: blocked.id, trafficPercent: 0 });
  const a = await pay(blocked.key, 'sim_decline_system_error_once');
  expect(a.status).toBe('AWAITING_RETRY');
  expect(a.attempts).toHaveLength(1);

  const follower = await merchant(ind); // no rule of its own: the industry's applies
  const b = await pay(follower.key, 'sim_decline_system_error_once');
  expect(attemptSummary(b)[1]).toMatch(/^sandbox_backup:/);

  const ind3 = `ind3_${run}`;
  await rule(`j${run}`, { industry: ind3, merchantId: null, codes: ['SOMETHING_ELSE'] });
  const allowed = await merchant(ind3);
  await rule(`m${run}c`, { merchantId: allowed.id });
  const c = await pay(allowed.key, 'sim_decline_system_error_once');
  expect(attemptSummary(c)[1]).toMatch(/^sandbox_backup:/);
});

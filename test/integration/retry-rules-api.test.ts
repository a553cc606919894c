import { RetryRuleRepository } from '../../src/db/retry-rule-repository';
import type { RetryRule } from '../../src/domain/retry-rules/retry-rule';
import { startTestStack, type ApiAnswer, type TestStack } from './support/test-stack';

const MERCHANT = 'sk_test_demo_merchant';
const OPERATOR = 'sk_test_demo_operator';
const ADMIN = 'sk_test_demo_admin';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `rules-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

// The database is shared by every test file of a run and kept between runs: unique rule numbers.
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let seq = 0;
const ruleNo = (prefix = 'r'): string => `${prefix}${RUN}-${++seq}`;

const validBody = (): Record<string, unknown> => ({
  merchantId: 'm_rules_api_test',
  channels: ['sandbox'],
  brands: ['ABC_CREDIT'],
  currencies: ['CNY'],
  transactionTypes: ['PURCHASE'],
  codeMode: 'WHITELIST',
  codes: ['SYSTEM_ERROR'],
  sources: ['ONLINE', 'APP'],
  trafficPercent: 100,
  maxRetries: 3,
  maxWaitMs: 10_000,
  validFrom: '2020-01-01T00:00:00Z',
  validTo: '2099-01-01T00:00:00Z',
});

const put = (no: string, body: unknown, key = ADMIN): Promise<ApiAnswer> =>
  stack.api('PUT', `/v1/ops/retry-rules/${no}`, { key, body });

const auditOf = async (no: string): Promise<any[]> => {
  const r = await stack.api('GET', `/v1/ops/audit-log?targetType=retry_rule&targetId=${no}`, {
    key: OPERATOR,
  });
  expect(r.status).toBe(200);
  return r.body.entries;
};

const ruleRow = async (no: string): Promise<Record<string, unknown> | undefined> =>
  (await stack.pool.query('SELECT * FROM retry_rules WHERE rule_no = $1', [no])).rows[0];

const expectProblem = (r: ApiAnswer, status: number, code: string): void => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
};

test('create answers 201 with the rule, defaults filled; replace answers 200 and replaces every field', async () => {
  const no = ruleNo('create');
  const created = await put(no, { ...validBody(), reason: 'first rule for the demo merchant' });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({
    ruleNo: no,
    merchantId: 'm_rules_api_test',
    industry: null,
    channels: ['sandbox'],
    brands: ['ABC_CREDIT'],
    currencies: ['CNY'],
    transactionTypes: ['PURCHASE'],
    codeMode: 'WHITELIST',
    codes: ['SYSTEM_ERROR'],
    sources: ['ONLINE', 'APP'],
    trafficPercent: 100,
    maxRetries: 3,
    maxWaitMs: 10_000,
    enabled: true,
    validFrom: '2020-01-01T00:00:00.000Z',
    validTo: '2099-01-01T00:00:00.000Z',
  } satisfies RetryRule);
  const createdAt = (await ruleRow(no))!.created_at as Date;

  // A replace with only the required fields (and the ruleNo repeated): everything else back to defaults.
  const replaced = await put(no, {
    ruleNo: no,
    industry: 'travel',
    codeMode: 'BLACKLIST',
    codes: ['CARD_EXPIRED', 'ACQ.SYSTEM_ERROR'],
    trafficPercent: 50,
    maxRetries: 0,
    maxWaitMs: 0,
    enabled: false,
  });
  expect(replaced.status).toBe(200);
  expect(replaced.body).toEqual({
    ruleNo: no,
    merchantId: null,
    industry: 'travel',
    channels: [],
    brands: [],
    currencies: [],
    transactionTypes: [],
    codeMode: 'BLACKLIST',
    codes: ['CARD_EXPIRED', 'ACQ.SYSTEM_ERROR'],
    sources: [],
    trafficPercent: 50,
    maxRetries: 0,
    maxWaitMs: 0,
    enabled: false,
    validFrom: null,
    validTo: null,
  });
  const row = (await ruleRow(no))!;
  expect(row.created_at).toEqual(createdAt);
  expect((row.updated_at as Date).getTime()).toBeGreaterThanOrEqual(createdAt.getTime());

  // PUT again re-enables (a replace takes the default enabled: true).
  const again = await put(no, { ...validBody(), merchantId: null, industry: 'travel' });
  expect(again.status).toBe(200);
  expect(again.body.enabled).toBe(true);
  expect(await new RetryRuleRepository(stack.pool).get(no)).toEqual(again.body);
});

test('list: operators and admins read every rule, enabled or not, sorted by ruleNo', async () => {
  const nos = [ruleNo('list-b'), ruleNo('list-a'), ruleNo('list-C')];
  for (const no of nos) expect((await put(no, validBody())).status).toBe(201);
  expect((await stack.api('DELETE', `/v1/ops/retry-rules/${nos[0]}`, { key: ADMIN })).status).toBe(200);

  for (const key of [OPERATOR, ADMIN]) {
    const r = await stack.api('GET', '/v1/ops/retry-rules', { key });
    expect(r.status).toBe(200);
    const listed: RetryRule[] = r.body.rules;
    const names = listed.map((x) => x.ruleNo);
    expect(names).toEqual([...names].sort());
    for (const no of nos) expect(names).toContain(no);
    expect(listed.find((x) => x.ruleNo === nos[0])!.enabled).toBe(false);
    expect(listed.find((x) => x.ruleNo === nos[1])!.enabled).toBe(true);
  }

  const enabled = await new RetryRuleRepository(stack.pool).listEnabled();
  const enabledNos = enabled.map((x) => x.ruleNo);
  expect(enabledNos).not.toContain(nos[0]);
  expect(enabledNos).toContain(nos[1]);
  expect(enabledNos).toContain(nos[2]);
  expect(enabled.every((x) => x.enabled)).toBe(true);
});

test('delete disables the rule and answers it; again is idempotent; an unknown rule is 404', async () => {
  const no = ruleNo('del');
  expect((await put(no, validBody())).status).toBe(201);

  const del = await stack.api('DELETE', `/v1/ops/retry-rules/${no}`, {
    key: ADMIN,
    body: { reason: 'channel outage is over' },
  });
  expect(del.status).toBe(200);
  expect(del.body).toMatchObject({ ruleNo: no, enabled: false, codes: ['SYSTEM_ERROR'] });
  expect((await ruleRow(no))!.enabled).toBe(false);

  const again = await stack.api('DELETE', `/v1/ops/retry-rules/${no}`, { key: ADMIN });
  expect(again.status).toBe(200);
  expect(again.body.enabled).toBe(false);

  const missing = await stack.api('DELETE', `/v1/ops/retry-rules/${ruleNo('nope')}`, { key: ADMIN });
  expectProblem(missing, 404, 'NOT_FOUND');

  const badReason = await stack.api('DELETE', `/v1/ops/retry-rules/${no}`, {
    key: ADMIN,
    body: { reason: 'x' },
  });
  expectProblem(badReason, 400, 'VALIDATION_ERROR');
  const extra = await stack.api('DELETE', `/v1/ops/retry-rules/${no}`, { key: ADMIN, body: { force: true } });
  expectProblem(extra, 400, 'VALIDATION_ERROR');
});

test('every change is audited with actor, action, reason, before and after, newest first', async () => {
  const no = ruleNo('audit');
  expect((await put(no, { ...validBody(), reason: 'retry system errors' })).status).toBe(201);
  expect((await put(no, { ...validBody(), maxRetries: 5 })).status).toBe(200);
  expect(
    (
      await stack.api('DELETE', `/v1/ops/retry-rules/${no}`, {
        key: ADMIN,
        body: { reason: 'too many retries' },
      })
    ).status,
  ).toBe(200);

  const entries = await auditOf(no);
  expect(entries.map((e) => e.action)).toEqual([
    'retry_rule.disable',
    'retry_rule.replace',
    'retry_rule.create',
  ]);
  const [disable, replace, create] = entries;
  for (const e of entries) {
    expect(e).toMatchObject({
      actor: { label: 'demo admin key', role: 'ADMIN' },
      targetType: 'retry_rule',
      targetId: no,
    });
    expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  }
  expect(disable.id).toBeGreaterThan(replace.id);
  expect(replace.id).toBeGreaterThan(create.id);

  expect(create.reason).toBe('retry system errors');
  expect(create.before).toBeNull();
  expect(create.after).toMatchObject({ ruleNo: no, maxRetries: 3, enabled: true });

  expect(replace.reason).toBeNull();
  expect(replace.before).toMatchObject({ maxRetries: 3 });
  expect(replace.after).toMatchObject({ maxRetries: 5 });

  expect(disable.reason).toBe('too many retries');
  expect(disable.before).toMatchObject({ enabled: true, maxRetries: 5 });
  expect(disable.after).toMatchObject({ enabled: false, maxRetries: 5 });

  // The unfiltered log is newest first and honours limit and offset.
  const page = await stack.api('GET', '/v1/ops/audit-log?limit=2', { key: ADMIN });
  expect(page.status).toBe(200);
  expect(page.body.entries).toHaveLength(2);
  expect(page.body.entries[0].id).toBeGreaterThan(page.body.entries[1].id);
  const next = await stack.api('GET', '/v1/ops/audit-log?limit=1&offset=1', { key: ADMIN });
  expect(next.body.entries[0].id).toBe(page.body.entries[1].id);

  for (const q of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'offset=-1', 'targetType=Bad%20Type']) {
    expectProblem(
      await stack.api('GET', `/v1/ops/audit-log?${q}`, { key: OPERATOR }),
      400,
      'VALIDATION_ERROR',
    );
  }
});

test('the audit log is append-only: UPDATE, DELETE and TRUNCATE raise', async () => {
  const no = ruleNo('append');
  expect((await put(no, validBody())).status).toBe(201);
  const [entry] = await auditOf(no);
  await expect(
    stack.pool.query(`UPDATE audit_log SET reason = 'rewritten' WHERE id = $1`, [entry.id]),
  ).rejects.toThrow(/append-only/);
  await expect(stack.pool.query('DELETE FROM audit_log WHERE id = $1', [entry.id])).rejects.toThrow(
    /append-only/,
  );
  await expect(stack.pool.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
  expect(await auditOf(no)).toHaveLength(1);
});

test('a rule and its audit entry commit together: a failing audit write leaves no rule', async () => {
  const repo = new RetryRuleRepository(stack.pool);
  const no = ruleNo('atomic');
  const rule: RetryRule = {
    ruleNo: no,
    merchantId: 'm_rules_api_test',
    industry: null,
    channels: [],
    brands: [],
    currencies: [],
    transactionTypes: [],
    codeMode: 'WHITELIST',
    codes: ['SYSTEM_ERROR'],
    sources: [],
    trafficPercent: 100,
    maxRetries: 1,
    maxWaitMs: 1000,
    enabled: true,
    validFrom: null,
    validTo: null,
  };
  // actor_label is NOT NULL: the audit insert fails, so must the rule's.
  const noActor = { actor: { label: null as unknown as string, role: 'ADMIN' } };
  await expect(repo.upsert(rule, noActor)).rejects.toThrow();
  expect(await repo.get(no)).toBeNull();

  await repo.upsert(rule);
  await expect(repo.disable(no, noActor)).rejects.toThrow();
  expect((await repo.get(no))!.enabled).toBe(true);
});

test('concurrent creates of one rule: exactly one 201, the rest replace it, each audited once', async () => {
  const no = ruleNo('race');
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => put(no, { ...validBody(), maxRetries: i })),
  );
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
  const entries = await auditOf(no);
  expect(entries).toHaveLength(8);
  expect(entries.filter((e) => e.action === 'retry_rule.create')).toHaveLength(1);
  expect(entries.filter((e) => e.before === null)).toHaveLength(1);
  // Each replace saw the rule as the previous writer left it: the entries chain.
  const chronological = [...entries].reverse();
  for (let i = 1; i < chronological.length; i++) {
    expect(chronological[i].before).toEqual(chronological[i - 1].after);
  }
});

describe('roles', () => {
  const opsCalls = (no: string): Array<[string, string, unknown]> => [
    ['PUT', `/v1/ops/retry-rules/${no}`, validBody()],
    ['GET', '/v1/ops/retry-rules', undefined],
    ['DELETE', `/v1/ops/retry-rules/${no}`, undefined],
    ['GET', '/v1/ops/audit-log', undefined],
  ];

  test('a merchant key gets 403 on every ops path, reads included, whatever the body', async () => {
    const no = ruleNo('role-m');
    for (const [method, path, body] of opsCalls(no)) {
      expectProblem(await stack.api(method, path, { key: MERCHANT, body }), 403, 'FORBIDDEN');
    }
    // Before the body is even read: a malformed body is still 403, not 400.
    const malformed = await stack.api('PUT', `/v1/ops/retry-rules/${no}`, {
      key: MERCHANT,
      raw: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(malformed, 403, 'FORBIDDEN');
    expectProblem(await put('bad rule no!', { nonsense: 1 }, MERCHANT), 403, 'FORBIDDEN');
    expect(await ruleRow(no)).toBeUndefined();
  });

  test('an operator key reads but cannot change rules', async () => {
    const no = ruleNo('role-o');
    expectProblem(await put(no, validBody(), OPERATOR), 403, 'FORBIDDEN');
    expect(await ruleRow(no)).toBeUndefined();

    expect((await put(no, validBody())).status).toBe(201);
    expectProblem(await put(no, { ...validBody(), maxRetries: 9 }, OPERATOR), 403, 'FORBIDDEN');
    expectProblem(
      await stack.api('DELETE', `/v1/ops/retry-rules/${no}`, { key: OPERATOR }),
      403,
      'FORBIDDEN',
    );
    const row = (await ruleRow(no))!;
    expect(row.max_retries).toBe(3);
    expect(row.enabled).toBe(true);
    expect(await auditOf(no)).toHaveLength(1);

    expect((await stack.api('GET', '/v1/ops/retry-rules', { key: OPERATOR })).status).toBe(200);
    expect((await stack.api('GET', '/v1/ops/audit-log', { key: OPERATOR })).status).toBe(200);
  });

  test('no key or a wrong key is 401 on every ops path', async () => {
    const no = ruleNo('role-none');
    for (const key of [null, 'sk_wrong']) {
      for (const [method, path, body] of opsCalls(no)) {
        expectProblem(await stack.api(method, path, { key, body }), 401, 'UNAUTHENTICATED');
      }
    }
    expect(await ruleRow(no)).toBeUndefined();
  });
});

describe('bad input', () => {
  const cases: Array<[string, (b: Record<string, unknown>) => unknown]> = [
    ['missing codeMode', ({ codeMode: _x, ...rest }) => rest],
    ['missing codes', ({ codes: _x, ...rest }) => rest],
    ['missing maxRetries', ({ maxRetries: _x, ...rest }) => rest],
    ['missing maxWaitMs', ({ maxWaitMs: _x, ...rest }) => rest],
    ['missing trafficPercent', ({ trafficPercent: _x, ...rest }) => rest],
    ['unknown codeMode', (b) => ({ ...b, codeMode: 'GREYLIST' })],
    ['empty codes', (b) => ({ ...b, codes: [] })],
    ['lower-case code', (b) => ({ ...b, codes: ['system_error'] })],
    ['empty code', (b) => ({ ...b, codes: [''] })],
    ['code with spaces', (b) => ({ ...b, codes: ['SYSTEM ERROR'] })],
    ['repeated code', (b) => ({ ...b, codes: ['SYSTEM_ERROR', 'SYSTEM_ERROR'] })],
    ['codes not an array', (b) => ({ ...b, codes: 'SYSTEM_ERROR' })],
    ['trafficPercent above 100', (b) => ({ ...b, trafficPercent: 101 })],
    ['negative trafficPercent', (b) => ({ ...b, trafficPercent: -1 })],
    ['fractional trafficPercent', (b) => ({ ...b, trafficPercent: 50.5 })],
    ['string trafficPercent', (b) => ({ ...b, trafficPercent: '100' })],
    ['maxRetries above 10', (b) => ({ ...b, maxRetries: 11 })],
    ['negative maxRetries', (b) => ({ ...b, maxRetries: -1 })],
    ['fractional maxRetries', (b) => ({ ...b, maxRetries: 1.5 })],
    ['maxWaitMs above an hour', (b) => ({ ...b, maxWaitMs: 3_600_001 })],
    ['negative maxWaitMs', (b) => ({ ...b, maxWaitMs: -1 })],
    ['lower-case currency', (b) => ({ ...b, currencies: ['cny'] })],
    ['unknown currency', (b) => ({ ...b, currencies: ['XYZ'] })],
    ['unknown transaction type', (b) => ({ ...b, transactionTypes: ['STEAL'] })],
    ['unknown source', (b) => ({ ...b, sources: ['FAX'] })],
    ['bad channel name', (b) => ({ ...b, channels: ['Sand Box'] })],
    ['brand with spaces', (b) => ({ ...b, brands: ['ABC CREDIT'] })],
    ['neither merchantId nor industry', (b) => ({ ...b, merchantId: null, industry: null })],
    ['merchantId and industry left out', ({ merchantId: _x, ...rest }) => rest],
    ['bad merchantId', (b) => ({ ...b, merchantId: 'm demo/1' })],
    ['empty industry', (b) => ({ ...b, merchantId: null, industry: '' })],
    ['validFrom not a date', (b) => ({ ...b, validFrom: 'yesterday' })],
    ['validTo without offset', (b) => ({ ...b, validTo: '2099-01-01T00:00:00' })],
    [
      'validFrom after validTo',
      (b) => ({ ...b, validFrom: '2031-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z' }),
    ],
    [
      'validFrom equal to validTo',
      (b) => ({ ...b, validFrom: '2030-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z' }),
    ],
    ['enabled not a boolean', (b) => ({ ...b, enabled: 'yes' })],
    ['unknown field', (b) => ({ ...b, maxRetry: 3 })],
    ['ruleNo differs from the path', (b) => ({ ...b, ruleNo: 'other' })],
    ['reason too short', (b) => ({ ...b, reason: 'no' })],
    ['reason too long', (b) => ({ ...b, reason: 'x'.repeat(501) })],
    ['body is an array', () => [1, 2]],
    ['body is a string', () => 'hello'],
    ['body is null', () => null],
  ];

  test.each(cases)('%s: 400 problem+json, nothing created', async (_name, mutate) => {
    const no = ruleNo('bad');
    const r = await put(no, mutate(validBody()));
    expectProblem(r, 400, 'VALIDATION_ERROR');
    expect(r.body.errors?.length ?? 1).toBeGreaterThan(0);
    expect(await ruleRow(no)).toBeUndefined();
    expect(await auditOf(no)).toHaveLength(0);
  });

  test('a bad replace leaves the stored rule and the audit log as they were', async () => {
    const no = ruleNo('bad-replace');
    expect((await put(no, validBody())).status).toBe(201);
    const before = await ruleRow(no);
    for (const [, mutate] of cases) {
      expectProblem(await put(no, mutate({ ...validBody(), maxRetries: 9 })), 400, 'VALIDATION_ERROR');
    }
    expect(await ruleRow(no)).toEqual(before);
    expect(await auditOf(no)).toHaveLength(1);
  });

  test('bad rule numbers, malformed JSON and a missing body are 4xx problems', async () => {
    for (const bad of ['x'.repeat(33), 'a.b', 'a%20b', '%C3%A9']) {
      expectProblem(await put(bad, validBody()), 400, 'VALIDATION_ERROR');
      // A DELETE names an existing rule: a malformed ruleNo names nothing, so 404 (contract section 1).
      expectProblem(
        await stack.api('DELETE', `/v1/ops/retry-rules/${bad}`, { key: ADMIN }),
        404,
        'NOT_FOUND',
      );
    }
    const no = ruleNo('bad-json');
    const broken = await stack.api('PUT', `/v1/ops/retry-rules/${no}`, {
      key: ADMIN,
      raw: '{"codes": ',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(broken, 400, 'VALIDATION_ERROR');
    expectProblem(
      await stack.api('PUT', `/v1/ops/retry-rules/${no}`, { key: ADMIN }),
      400,
      'VALIDATION_ERROR',
    );
    expect(await ruleRow(no)).toBeUndefined();
  });
});

test('the OpenAPI document lists the ops endpoints under the ops tag', async () => {
  const doc = await stack.api('GET', '/openapi.json', { key: null });
  expect(doc.status).toBe(200);
  expect(Object.keys(doc.body.paths['/v1/ops/retry-rules/{ruleNo}'])).toEqual(
    expect.arrayContaining(['put', 'delete']),
  );
  expect(doc.body.paths['/v1/ops/retry-rules'].get.tags).toEqual(['ops']);
  expect(doc.body.paths['/v1/ops/audit-log'].get.tags).toEqual(['ops']);
});

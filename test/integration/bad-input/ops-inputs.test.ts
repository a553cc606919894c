import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from '../support/test-stack';

/**
 * Issue 8, items 2, 6, 7 and 8 on the operator side: NUL in a reason is a 400 and nothing runs; ids
 * of any shape are 404; operators read every merchant's payments; retry-rule reasons, idempotent
 * disable, refund retry, stuck refunds in the exceptions.
 */
const OPERATOR = 'sk_test_demo_operator';
const ADMIN = 'sk_test_demo_admin';
const MERCHANT2 = 'sk_test_demo2_merchant';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `ops-inputs-${process.pid}` });
});
afterAll(async () => stack?.stop());

async function pay(token: string) {
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('opsin'),
      amount: 500,
      currency: 'CNY',
      subject: 'Lamp',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token },
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}
const statusOf = (id: string, until: string) =>
  eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${id}`);
    return g.body.status === until ? g.body : undefined;
  });
/** Audit entries about these targets (other test files audit their own at the same time). */
const auditCount = async (...targets: string[]) =>
  Number(
    (await stack.pool.query('SELECT count(*) FROM audit_log WHERE target_id = ANY($1)', [targets])).rows[0]
      .count,
  );

test('NUL in any reason is a 400 naming it: the cancel does not run, nothing is audited', async () => {
  const p = await pay('sim_never_pay');
  const targets = [p.id, 'ref_00000000000000000000000000000000', 'evt_x', 'nul-reason'];
  const before = await auditCount(...targets);
  const nul = { reason: 'ticket\u0000 42' };
  for (const [key, path] of [
    [ADMIN, `/v1/ops/payments/${p.id}/cancel`],
    [OPERATOR, `/v1/ops/payments/${p.id}/query`],
    [OPERATOR, '/v1/ops/refunds/ref_00000000000000000000000000000000/retry'],
    [OPERATOR, '/v1/ops/notifications/evt_x/resend'],
  ] as const) {
    const r = await stack.api('POST', path, { key, body: nul });
    expect([path, r.status, r.body.code]).toEqual([path, 400, 'VALIDATION_ERROR']);
    expect(r.text).toContain('reason');
  }
  const put = await stack.api('PUT', '/v1/ops/retry-rules/nul-reason', {
    key: ADMIN,
    body: {
      industry: 'retail',
      codeMode: 'WHITELIST',
      codes: ['SYSTEM_ERROR'],
      trafficPercent: 100,
      maxRetries: 1,
      maxWaitMs: 1000,
      reason: 'x\u0000yz',
    },
  });
  expect(put.status).toBe(400);
  expect(await auditCount(...targets)).toBe(before);
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).not.toBe('CLOSED');
  expect(
    (
      await stack.pool.query(
        "SELECT 1 FROM payment_status_history WHERE payment_id = $1 AND to_status = 'CLOSED'",
        [p.id],
      )
    ).rowCount,
  ).toBe(0);
});

test('year 0 in a rule period and %00 in an audit-log filter are 400s, not 503s', async () => {
  const rule = (extra: Record<string, unknown>) =>
    stack.api('PUT', '/v1/ops/retry-rules/year-zero', {
      key: ADMIN,
      body: {
        industry: 'retail',
        codeMode: 'WHITELIST',
        codes: ['SYSTEM_ERROR'],
        trafficPercent: 100,
        maxRetries: 1,
        maxWaitMs: 1000,
        ...extra,
      },
    });
  expect((await rule({ validFrom: '0000-01-01T00:00:00Z' })).status).toBe(400);
  expect((await rule({ validTo: '0000-12-31T00:00:00Z' })).status).toBe(400);
  expect((await rule({ validTo: '9999-12-31T00:00:00Z' })).status).toBe(400);
  expect((await stack.pool.query("SELECT 1 FROM retry_rules WHERE rule_no = 'year-zero'")).rowCount).toBe(0);
  for (const q of ['targetId=%00', 'targetId=a%01b', 'targetType=%00']) {
    const r = await stack.api('GET', `/v1/ops/audit-log?${q}`, { key: OPERATOR });
    expect([q, r.status]).toEqual([q, 400]);
  }
});

test('ops ids of any shape that name nothing are 404', async () => {
  for (const [method, path] of [
    ['POST', '/v1/ops/payments/pay_doesnotexist/query'],
    ['POST', '/v1/ops/payments/pay_00000000000000000000000000000000/query'],
    ['POST', '/v1/ops/refunds/nope/retry'],
    ['POST', '/v1/ops/notifications/%00/resend'],
    ['GET', '/v1/ops/notifications/evt-with-dash'],
    ['DELETE', '/v1/ops/retry-rules/no.such.rule'],
  ] as const) {
    const r = await stack.api(method, path, {
      key: ADMIN,
      ...(method === 'GET' ? {} : { body: { reason: 'looking into it' } }),
    });
    expect([path, r.status, r.body.code]).toEqual([path, 404, 'NOT_FOUND']);
  }
});

test("operators and admins read any merchant's payment and refunds; another merchant still gets 404", async () => {
  const p = await pay('sim_success');
  await statusOf(p.id, 'SUCCEEDED');
  const refund = await stack.api('POST', `/v1/payments/${p.id}/refunds`, {
    body: { outRefundNo: 'R1', amount: 100 },
  });
  expect(refund.status).toBe(201);
  for (const key of [OPERATOR, ADMIN]) {
    expect((await stack.api('GET', `/v1/payments/${p.id}`, { key })).body.id).toBe(p.id);
    expect((await stack.api('GET', `/v1/payments/${p.id}/refunds`, { key })).body.refunds).toHaveLength(1);
    expect((await stack.api('GET', `/v1/refunds/${refund.body.id}`, { key })).body.id).toBe(refund.body.id);
    expect((await stack.api('GET', `/v1/payments/${p.id}/notifications`, { key })).status).toBe(200);
    const byNo = await stack.api('GET', `/v1/payments?outTradeNo=${p.outTradeNo}&merchantId=m_demo`, { key });
    expect(byNo.body.id).toBe(p.id);
  }
  expect((await stack.api('GET', `/v1/payments/${p.id}`, { key: MERCHANT2 })).status).toBe(404);
  expect((await stack.api('GET', `/v1/refunds/${refund.body.id}`, { key: MERCHANT2 })).status).toBe(404);

  // Refund retry of a refund that has not failed: 409, and nothing audited.
  const before = await auditCount(refund.body.id);
  const processing = await stack.api('POST', `/v1/ops/refunds/${refund.body.id}/retry`, {
    key: OPERATOR,
    body: { reason: 'customer asked again' },
  });
  expect(processing.status).toBe(409);
  await eventually(async () =>
    (await stack.api('GET', `/v1/refunds/${refund.body.id}`)).body.status === 'SUCCEEDED' ? true : undefined,
  );
  const succeeded = await stack.api('POST', `/v1/ops/refunds/${refund.body.id}/retry`, {
    key: OPERATOR,
    body: { reason: 'customer asked again' },
  });
  expect(succeeded.body).toMatchObject({ status: 409, code: 'REFUND_NOT_FAILED' });
  expect(await auditCount(refund.body.id)).toBe(before);

  // A refund still PROCESSING past REFUND_STUCK_AFTER_MS (1 h) is listed; made so in the record here.
  await stack.pool.query(
    `UPDATE refunds SET status = 'PROCESSING', succeeded_at = NULL, updated_at = now() - interval '2 hours' WHERE id = $1`,
    [refund.body.id],
  );
  const stuck = await stack.api('GET', '/v1/ops/exceptions?kind=REFUND_STUCK_PROCESSING', { key: OPERATOR });
  expect(stuck.body.exceptions).toEqual(
    expect.arrayContaining([expect.objectContaining({ id: refund.body.id, paymentId: p.id })]),
  );
});

test('retry-rule PUT and DELETE keep their reason; disabling a disabled rule is not audited again', async () => {
  const no = `reason-${Date.now().toString(36)}`;
  const body = {
    industry: 'retail',
    codeMode: 'WHITELIST',
    codes: ['SYSTEM_ERROR'],
    trafficPercent: 100,
    maxRetries: 1,
    maxWaitMs: 1000,
  };
  expect(
    (
      await stack.api('PUT', `/v1/ops/retry-rules/${no}`, {
        key: ADMIN,
        body: { ...body, reason: 'new rule for outage' },
      })
    ).status,
  ).toBe(201);
  const del = (b?: unknown) =>
    stack.api('DELETE', `/v1/ops/retry-rules/${no}`, { key: ADMIN, ...(b ? { body: b } : {}) });
  expect((await del({ reason: 'outage is over' })).status).toBe(200);
  expect((await del({ reason: 'again, to be sure' })).status).toBe(200);
  expect((await del()).status).toBe(200);
  const audit = await stack.api('GET', `/v1/ops/audit-log?targetType=retry_rule&targetId=${no}`, {
    key: OPERATOR,
  });
  expect(audit.body.entries.map((e: { action: string; reason: string }) => [e.action, e.reason])).toEqual([
    ['retry_rule.disable', 'outage is over'],
    ['retry_rule.create', 'new rule for outage'],
  ]);
});

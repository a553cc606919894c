import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { PoolClient } from 'pg';
import { beijingDay } from '../../src/channels/beijing-time';
import { listFundCheckExceptions } from '../../src/db/fund-checks/fund-check-store';
import { evaluateFundChecks, runFundChecks } from '../../src/db/fund-checks/run-fund-checks';
import { MerchantRepository } from '../../src/db/merchant-repository';
import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';
import { DEFAULT_FUND_CHECK_SETTINGS, type FundCheckSettings } from '../../src/domain/fund-check-settings';
import type { FundCheckFinding } from '../../src/domain/fund-checks';
import { env, eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';
import { channelBill } from './support/channel-bill';

// Parallel test files share one database: every assertion is scoped to what this file created.
const TAG = `${process.pid}${Date.now().toString(36)}`;
const MERCHANT = `m_fc_${TAG}`;
const MERCHANT_KEY = `sk_test_fc_${TAG}`;
const CEILING = 2500;
const OPERATOR = DEFAULT_DEMO_KEYS.operatorKey;
const settings: FundCheckSettings = {
  ...DEFAULT_FUND_CHECK_SETTINGS,
  refundCeilings: { [MERCHANT]: CEILING },
};

let stack: TestStack;

beforeAll(async () => {
  // The route reads its settings when the API is built.
  process.env.FUND_CHECK_REFUND_CEILINGS = JSON.stringify({ [MERCHANT]: CEILING });
  stack = await startTestStack({ taskQueue: `fund-checks-${process.pid}` });
  const merchants = new MerchantRepository(stack.pool);
  await merchants.upsertMerchant({
    id: MERCHANT,
    name: 'Fund-check merchant',
    industry: 'retail',
    notifySecret: 'whsec_fc',
    channels: ['sandbox'],
  });
  await merchants.upsertApiKey(MERCHANT_KEY, 'MERCHANT', MERCHANT, 'fund-check merchant key');
});
afterAll(async () => {
  delete process.env.FUND_CHECK_REFUND_CEILINGS;
  await stack?.stop();
});

interface Paid {
  id: string;
  amount: number;
  attempts: Array<{ channelOutTradeNo: string }>;
}

async function payment(token: string, key?: string): Promise<{ id: string }> {
  const r = await stack.api('POST', '/v1/payments', {
    key,
    body: {
      outTradeNo: orderNo('fc'),
      amount: 1999,
      currency: 'CNY',
      subject: 'Checked coffee',
      orderDeadline: inMinutes(30),
      method: { type: 'bank_card', token },
    },
  });
  expect(r.status).toBe(201);
  return r.body as { id: string };
}

async function settled(id: string, status: string, key?: string): Promise<Paid> {
  return eventually(async () => {
    const p = await stack.api('GET', `/v1/payments/${id}`, { key });
    return p.body?.status === status ? (p.body as Paid) : undefined;
  });
}

const paid = async (key?: string): Promise<Paid> =>
  settled((await payment('sim_success', key)).id, 'SUCCEEDED', key);

async function refunded(p: Paid, amount: number, key?: string): Promise<string> {
  const r = await stack.api('POST', `/v1/payments/${p.id}/refunds`, {
    key,
    body: { outRefundNo: `R-${amount}`, amount },
  });
  expect(r.status).toBe(201);
  const id = r.body.id as string;
  await eventually(async () => {
    const x = await stack.api('GET', `/v1/refunds/${id}`, { key });
    return x.body?.status === 'SUCCEEDED' ? true : undefined;
  }, 30_000);
  return id;
}

/** What the checks find about these payments (and, for paymentless findings, about these merchants). */
function about(
  findings: FundCheckFinding[],
  ...ids: string[]
): Array<Pick<FundCheckFinding, 'check' | 'paymentId'>> {
  return findings
    .filter((f) =>
      f.paymentId ? ids.includes(f.paymentId) : ids.some((m) => m.startsWith('m_') && f.detail.includes(m)),
    )
    .map((f) => ({ check: f.check, paymentId: f.paymentId }));
}

async function findingsAbout(...ids: string[]) {
  return about((await runFundChecks(stack.pool, { settings })).findings, ...ids);
}

/** A refund row written behind the service's back; updated_at far ahead keeps the refund sweeper off it. */
async function plantRefund(
  p: Paid,
  r: { amount: number; status: string; kind?: string; attemptNo?: number; ageMs?: number },
) {
  const id = `ref_${randomBytes(16).toString('hex')}`;
  const at = new Date(Date.now() - (r.ageMs ?? 0));
  await stack.pool.query(
    `INSERT INTO refunds (id, payment_id, attempt_no, kind, out_refund_no, amount, currency, status, channel,
       channel_out_trade_no, out_request_no, workflow_id, created_at, updated_at, succeeded_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'CNY', $7, 'sandbox', $8, $9, $10, $11, now() + interval '1 day',
             CASE WHEN $7 = 'SUCCEEDED' THEN $11::timestamptz END)`,
    [
      id,
      p.id,
      r.attemptNo ?? 1,
      r.kind ?? 'MERCHANT',
      r.kind ? `auto-${r.attemptNo}` : `planted-${id.slice(4, 12)}`,
      r.amount,
      r.status,
      `${p.id}-${r.attemptNo ?? 1}`,
      `planted-${id.slice(4)}`,
      `planted-${id}`,
      at,
    ],
  );
  return id;
}

/** Leaves no PROCESSING refund behind for other files' sweepers and checks. */
async function retire(refundId: string, amount: number, paymentId: string) {
  await stack.pool.query("UPDATE refunds SET status = 'FAILED', updated_at = now() WHERE id = $1", [
    refundId,
  ]);
  await stack.pool.query('UPDATE payments SET refund_reserved = refund_reserved - $2 WHERE id = $1', [
    paymentId,
    amount,
  ]);
}

describe('a clean record of real traffic', () => {
  test('paid and refunded payments give no findings; the ceiling finding comes once real refunds cross it', async () => {
    const a = await paid(MERCHANT_KEY);
    const b = await paid(MERCHANT_KEY);
    await refunded(a, 1000, MERCHANT_KEY);
    expect(await findingsAbout(a.id, b.id, MERCHANT)).toEqual([]);

    await refunded(b, 1999, MERCHANT_KEY);
    // The sandbox's books agree that the money really went back.
    const rows = await channelBill(stack.channels.get('sandbox'), beijingDay(new Date()));
    const back = rows.filter(
      (r) => r.kind === 'REFUND' && [a, b].some((p) => r.outTradeNo === p.attempts[0]!.channelOutTradeNo),
    );
    expect(back.map((r) => r.amount).sort((x, y) => x - y)).toEqual([1000, 1999]);

    const run = await runFundChecks(stack.pool, { settings });
    expect(about(run.findings, a.id, b.id, MERCHANT)).toEqual([
      { check: 'DAILY_REFUND_CEILING', paymentId: null },
    ]);
    const ceiling = run.findings.find((f) => f.detail.includes(MERCHANT))!;
    expect(ceiling.detail).toContain(`refunded 2999 on ${beijingDay(new Date())}`);
    expect(run.tallies.find((t) => t.check === 'DAILY_REFUND_CEILING')?.checked).toBeGreaterThanOrEqual(2);
  });

  test('late money refunded automatically (sim_pay_after_close) is no finding: not kept, not refundedAmount', async () => {
    const p = await payment('sim_pay_after_close');
    await settled(p.id, 'PROCESSING');
    expect((await stack.api('POST', `/v1/payments/${p.id}/close`)).status).toBe(200);
    const late = await eventually(async () => {
      const r = await stack.pool.query<{ status: string; amount: number }>(
        "SELECT status, amount FROM refunds WHERE payment_id = $1 AND kind = 'LATE_PAYMENT'",
        [p.id],
      );
      return r.rows[0]?.status === 'SUCCEEDED' ? r.rows[0] : undefined;
    }, 60_000);
    expect(late.amount).toBe(1999);
    expect(await findingsAbout(p.id)).toEqual([]);
  });
});

describe('each check finds exactly what was planted', () => {
  test('sums: refundedAmount that no refund explains', async () => {
    const p = await paid();
    await stack.pool.query('UPDATE payments SET refunded_amount = 500, refund_reserved = 500 WHERE id = $1', [
      p.id,
    ]);
    expect(await findingsAbout(p.id)).toEqual([{ check: 'REFUNDED_AMOUNT_MISMATCH', paymentId: p.id }]);
    // ... and it is listed for operators, from the latest run.
    const listed = await listFundCheckExceptions(stack.pool);
    expect(listed.filter((e) => e.paymentId === p.id)).toEqual([
      expect.objectContaining({
        kind: 'FUND_CHECK_FINDING',
        detail: expect.stringContaining('REFUNDED_AMOUNT_MISMATCH'),
      }),
    ]);
  });

  test('sums: refunds SUCCEEDED + PROCESSING above the amount', async () => {
    const p = await paid();
    await refunded(p, 1500);
    const extra = await plantRefund(p, { amount: 1000, status: 'PROCESSING' });
    expect(await findingsAbout(p.id)).toEqual([{ check: 'REFUNDS_EXCEED_AMOUNT', paymentId: p.id }]);
    // Once it FAILED it takes nothing, and the sum is within the amount again.
    await stack.pool.query("UPDATE refunds SET status = 'FAILED' WHERE id = $1", [extra]);
    expect(await findingsAbout(p.id)).toEqual([]);
  });

  test('sums: the amount differs from what the channel notified for the kept attempt', async () => {
    const p = await paid();
    const cotn = p.attempts[0]!.channelOutTradeNo;
    await eventually(async () => {
      const n = await stack.pool.query(
        'SELECT 1 FROM channel_notifications WHERE out_trade_no = $1 AND verified',
        [cotn],
      );
      return n.rowCount ? true : undefined;
    });
    await stack.pool.query('UPDATE payments SET amount = amount + 1 WHERE id = $1', [p.id]);
    const run = await runFundChecks(stack.pool, { settings });
    expect(about(run.findings, p.id)).toEqual([{ check: 'KEPT_ATTEMPT_MISMATCH', paymentId: p.id }]);
    expect(run.findings.find((f) => f.paymentId === p.id)?.detail).toBe(
      'amount 2000 but the channel notified 1999 for attempt 1',
    );
  });

  test('idempotency: a second kept success; then recorded as duplicate money; then refunded', async () => {
    const p = await paid();
    await stack.pool.query(
      `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, created_at, updated_at)
       VALUES ($1, 2, 'sandbox', $2, 'SUCCEEDED', now(), now())`,
      [p.id, `${p.id}-2`],
    );
    await stack.pool.query(
      `INSERT INTO payment_status_history (payment_id, attempt_no, from_status, to_status, reason)
       VALUES ($1, 2, NULL, 'PROCESSING', 'planted'), ($1, 2, 'PROCESSING', 'SUCCEEDED', 'planted')`,
      [p.id],
    );
    expect(await findingsAbout(p.id)).toEqual([{ check: 'PAYMENT_TAKEN_TWICE', paymentId: p.id }]);

    // Recorded as duplicate money two hours ago, never refunded: no longer kept, but overdue.
    await stack.pool.query(
      `INSERT INTO late_payments (payment_id, attempt_no, channel, amount, reason, detected_at)
       VALUES ($1, 2, 'sandbox', 1999, 'DUPLICATE_PAYMENT', now() - interval '2 hours')`,
      [p.id],
    );
    expect(await findingsAbout(p.id)).toEqual([{ check: 'LATE_MONEY_NOT_REFUNDED', paymentId: p.id }]);

    // Its automatic refund returns other money than the payment's: refundedAmount stays 0 and all is well.
    await plantRefund(p, { amount: 1999, status: 'SUCCEEDED', kind: 'DUPLICATE_PAYMENT', attemptNo: 2 });
    expect(await findingsAbout(p.id)).toEqual([]);
  });

  test('idempotency: a refund taken twice and an order paid twice (where unique keys would refuse the plant)', async () => {
    const p = await paid();
    const r = await refunded(p, 500);
    const client: PoolClient = await stack.pool.connect();
    try {
      // Temporary tables shadow the real ones for this session only, without their unique keys.
      await client.query('CREATE TEMP TABLE refunds (LIKE public.refunds INCLUDING DEFAULTS)');
      await client.query('CREATE TEMP TABLE payments (LIKE public.payments INCLUDING DEFAULTS)');
      await client.query('INSERT INTO refunds SELECT * FROM public.refunds WHERE id = $1', [r]);
      await client.query(
        "INSERT INTO refunds SELECT (jsonb_populate_record(NULL::public.refunds, to_jsonb(x) || jsonb_build_object('id', 'ref_' || repeat('f', 32)))).* FROM public.refunds x WHERE id = $1",
        [r],
      );
      await client.query('INSERT INTO payments SELECT * FROM public.payments WHERE id = $1', [p.id]);
      await client.query(
        `INSERT INTO payments SELECT (jsonb_populate_record(NULL::public.payments, to_jsonb(x) || jsonb_build_object('id', 'pay_' || repeat('f', 32)))).* FROM public.payments x WHERE id = $1`,
        [p.id],
      );
      const { findings } = await evaluateFundChecks(client, { now: new Date(), settings });
      const mine = findings.filter((f) => f.paymentId === p.id);
      expect(
        mine
          .filter((f) => f.check === 'REFUND_TAKEN_TWICE')
          .map((f) => f.detail)
          .sort(),
      ).toEqual(
        [
          expect.stringMatching(/with channel refund number sandbox\//),
          `refunds ${r}, ref_${'f'.repeat(32)} all SUCCEEDED with outRefundNo R-500`,
        ].sort(),
      );
      expect(mine.filter((f) => f.check === 'DUPLICATE_ORDER')).toEqual([
        expect.objectContaining({
          detail: expect.stringContaining(`payments ${p.id}, pay_${'f'.repeat(32)} for one order m_demo/`),
        }),
      ]);
      // Taking it twice is also money: 1000 refunded where refundedAmount says 500.
      expect(mine.filter((f) => f.check === 'REFUNDED_AMOUNT_MISMATCH')).toHaveLength(1);
    } finally {
      client.release(true);
    }
  });

  test('timeliness: open past its deadline plus the grace period, measured at a chosen now', async () => {
    const p = await payment('sim_never_pay');
    await settled(p.id, 'PROCESSING');
    const at = (min: number) => new Date(Date.now() + min * 60_000);
    const within = await runFundChecks(stack.pool, { settings, now: at(35) });
    expect(about(within.findings, p.id)).toEqual([]);
    const past = await runFundChecks(stack.pool, { settings, now: at(45) });
    expect(about(past.findings, p.id)).toEqual([{ check: 'PAYMENT_OPEN_PAST_DEADLINE', paymentId: p.id }]);
    expect((await stack.api('POST', `/v1/payments/${p.id}/close`)).status).toBe(200);
  });

  test('timeliness: a refund PROCESSING for two hours', async () => {
    const p = await paid();
    const r = await plantRefund(p, { amount: 100, status: 'PROCESSING', ageMs: 2 * 3_600_000 });
    await stack.pool.query('UPDATE payments SET refund_reserved = refund_reserved + 100 WHERE id = $1', [
      p.id,
    ]);
    const run = await runFundChecks(stack.pool, { settings });
    expect(run.findings.filter((f) => f.paymentId === p.id)).toEqual([
      expect.objectContaining({ check: 'REFUND_PROCESSING_TOO_LONG', paymentId: p.id, refundId: r }),
    ]);
    await retire(r, 100, p.id);
  });

  test('timeliness: a merchant notification PENDING for two days', async () => {
    const p = await paid();
    const id = `evt_${randomBytes(16).toString('hex')}`;
    const body = JSON.stringify({
      id,
      type: 'payment.succeeded',
      createdAt: new Date().toISOString(),
      data: {},
    });
    // workflow_started keeps the outbox sweeper from delivering it.
    await stack.pool.query(
      `INSERT INTO merchant_notifications (id, merchant_id, payment_id, type, payload, body, notify_url, workflow_started,
         pending_since, created_at, updated_at)
       VALUES ($1, 'm_demo', $2, 'payment.succeeded', $3::jsonb, $3, 'http://127.0.0.1:9/hook', true,
               now() - interval '2 days', now() - interval '2 days', now())`,
      [id, p.id, body],
    );
    const run = await runFundChecks(stack.pool, { settings });
    expect(about(run.findings, p.id)).toEqual([{ check: 'NOTIFICATION_PENDING_TOO_LONG', paymentId: p.id }]);
  });

  test('sequence: an illegal move, a broken chain, a history that ends elsewhere', async () => {
    const [illegal, broken] = [await paid(), await paid()];
    const open = await payment('sim_never_pay');
    await settled(open.id, 'PROCESSING');
    expect((await stack.api('POST', `/v1/payments/${open.id}/close`)).status).toBe(200);
    const closed = await settled(open.id, 'CLOSED');
    const history =
      'INSERT INTO payment_status_history (payment_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)';
    await stack.pool.query(history, [illegal.id, 'SUCCEEDED', 'SUCCEEDED', 'planted']);
    await stack.pool.query(history, [broken.id, 'PROCESSING', 'SUCCEEDED', 'planted']);
    await stack.pool.query("UPDATE payments SET status = 'FAILED' WHERE id = $1", [closed.id]);
    expect(await findingsAbout(illegal.id, broken.id, closed.id)).toEqual([
      { check: 'HISTORY_ILLEGAL_MOVE', paymentId: illegal.id },
      { check: 'HISTORY_BROKEN_CHAIN', paymentId: broken.id },
      { check: 'HISTORY_LAST_MISMATCH', paymentId: closed.id },
    ]);
  });
});

describe('POST /v1/ops/fund-checks and GET /v1/ops/fund-checks/{id}', () => {
  test('operator runs them: 200 with the findings, stored, audited; merchant 403; bad reasons 400', async () => {
    const p = await paid();
    await stack.pool.query('UPDATE payments SET refunded_amount = 7, refund_reserved = 7 WHERE id = $1', [
      p.id,
    ]);
    const res = await stack.api('POST', '/v1/ops/fund-checks', {
      key: OPERATOR,
      body: { reason: 'nightly check' },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['checkedAt', 'checks', 'findings', 'id']);
    expect(res.body.id).toMatch(/^fc_[0-9a-f]{32}$/);
    expect(res.body.findings.filter((f: FundCheckFinding) => f.paymentId === p.id)).toEqual([
      {
        check: 'REFUNDED_AMOUNT_MISMATCH',
        paymentId: p.id,
        refundId: null,
        detail: 'refundedAmount 7 but SUCCEEDED merchant refunds sum to 0',
      },
    ]);
    expect(res.body.checks).toHaveLength(14);

    const again = await stack.api('GET', `/v1/ops/fund-checks/${res.body.id}`, { key: OPERATOR });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);

    const audit = await stack.pool.query(
      'SELECT actor_role, action, reason, before, after FROM audit_log WHERE target_id = $1',
      [res.body.id],
    );
    expect(audit.rows).toEqual([
      expect.objectContaining({
        actor_role: 'OPERATOR',
        action: 'fund_check.run',
        reason: 'nightly check',
        before: null,
      }),
    ]);
    expect(audit.rows[0].after.findings).toBe(res.body.findings.length);

    const doc = await stack.api('GET', '/openapi.json', { key: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/ops/fund-checks', '/v1/ops/fund-checks/{id}']),
    );

    const admin = await stack.api('POST', '/v1/ops/fund-checks', {
      key: DEFAULT_DEMO_KEYS.adminKey,
      body: { reason: 'again' },
    });
    expect(admin.status).toBe(200);
    for (const [method, path] of [
      ['POST', '/v1/ops/fund-checks'],
      ['GET', `/v1/ops/fund-checks/${res.body.id}`],
    ] as const) {
      const m = await stack.api(method, path, { body: method === 'POST' ? { reason: 'sneaky' } : undefined });
      expect([m.status, m.body.code]).toEqual([403, 'FORBIDDEN']);
      expect((await stack.api(method, path, { key: null })).status).toBe(401);
    }
    for (const body of [
      {},
      { reason: 'no' },
      { reason: 'x'.repeat(501) },
      { reason: 'bad\u0000reason' },
      { reason: 7 },
    ]) {
      const bad = await stack.api('POST', '/v1/ops/fund-checks', { key: OPERATOR, body });
      expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    for (const id of [`fc_${'0'.repeat(32)}`, 'nonsense', `pay_${'a'.repeat(32)}`, 'fc_%00']) {
      const missing = await stack.api('GET', `/v1/ops/fund-checks/${id}`, { key: OPERATOR });
      expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
    }
  });
});

describe('npm run check-funds', () => {
  const cli = (databaseUrl: string | undefined) =>
    spawnSync(
      process.execPath,
      [join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/check-funds.ts'],
      {
        cwd: process.cwd(),
        env: { ...process.env, DATABASE_URL: databaseUrl ?? '' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

  test('exits 1 with a table when there are findings, 0 on a clean database, 2 without DATABASE_URL', async () => {
    const dirty = cli(env('DATABASE_URL'));
    expect(dirty.status).toBe(1);
    expect(dirty.stdout).toMatch(/check\s+family\s+checked\s+findings/);
    expect(dirty.stdout).toMatch(/REFUNDED_AMOUNT_MISMATCH\s+sums\s+\d+\s+[1-9]/);

    const db = `fc_clean_${TAG}`;
    await stack.pool.query(`CREATE DATABASE ${db}`);
    try {
      const url = new URL(env('DATABASE_URL'));
      url.pathname = `/${db}`;
      const clean = cli(url.toString());
      expect([clean.status, clean.stderr]).toEqual([0, '']);
      expect(clean.stdout).toMatch(/DAILY_REFUND_CEILING\s+limits\s+0\s+0/);
    } finally {
      await stack.pool.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }

    const none = cli(undefined);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('check-funds needs DATABASE_URL');
  });
});

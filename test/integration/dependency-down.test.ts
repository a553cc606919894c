import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApi } from '../../src/api/app';
import { PaymentClient } from '../../src/client/payment-client';
import { PaymentRepository } from '../../src/db/payment-repository';
import { createPool } from '../../src/db/pool';
import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';
import { loadOrCreateSandboxKeys } from '../../src/channels/sandbox/sandbox-keys';
import { createSign } from 'node:crypto';
import {
  eventually,
  freePort,
  inMinutes,
  MERCHANT_KEY,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

// Contract section 1: with a dependency unreachable, every request is answered 503 within a few seconds.
// A second API is pointed at a dead address (a free port, nothing listening): the shared servers stay up.
const FAST_MS = 5_000;
/** The dead API's call deadline: longer than FAST_MS, so a fast 503 is the monitor's doing, not the deadline's. */
const DEADLINE_MS = 8_000;
let lastCallAt = 0;
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `depdown-${process.pid}` });
});
afterAll(async () => stack?.stop());

interface Answer {
  status: number;
  type: string;
  body: any;
  text: string;
  ms: number;
}

async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  o: { key?: string; body?: unknown; form?: Record<string, string> } = {},
): Promise<Answer> {
  const started = Date.now();
  lastCallAt = started;
  const res = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${o.key ?? MERCHANT_KEY}`,
      ...(o.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(o.form ? { payload: new URLSearchParams(o.form).toString() } : o.body ? { payload: o.body } : {}),
  });
  let body: unknown = null;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = null;
  }
  return {
    status: res.statusCode,
    type: String(res.headers['content-type']),
    body,
    text: res.body,
    ms: Date.now() - started,
  };
}

function expectFast503(a: Answer): void {
  expect(a.ms).toBeLessThan(FAST_MS);
  expect(a.status).toBe(503);
  expect(a.type).toContain('application/problem+json');
  expect(a.body.code).toBe('SERVICE_UNAVAILABLE');
}

const createBody = (token: string) => ({
  outTradeNo: orderNo('dd'),
  amount: 1999,
  currency: 'CNY',
  subject: 'Tea',
  orderDeadline: inMinutes(10),
  method: { type: 'bank_card', token },
});

async function paymentIn(status: string, token: string): Promise<{ id: string; attempts: any[] }> {
  const r = await stack.api('POST', '/v1/payments', { body: createBody(token) });
  expect(r.status).toBe(201);
  return eventually(async () => {
    const p = await stack.api('GET', `/v1/payments/${r.body.id}`);
    return p.body?.status === status ? p.body : undefined;
  });
}

function signedPaidNotify(outTradeNo: string): Record<string, string> {
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  const fields: Record<string, string> = {
    notify_id: `dd-${Date.now()}`,
    notify_time: '2026-11-21 12:00:00',
    notify_type: 'trade_status_sync',
    app_id: keys.appId,
    charset: 'utf-8',
    version: '1.0',
    out_trade_no: outTradeNo,
    trade_no: `2026${Date.now()}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '19.99',
    gmt_payment: '2026-11-21 12:00:00',
  };
  const content = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(keys.channelPrivateKeyPem, 'base64');
  return { ...fields, sign_type: 'RSA2', sign };
}

describe('Temporal unreachable', () => {
  let app: FastifyInstance;
  let connection: Connection;
  let pending: { id: string; attempts: any[] };
  let paid: { id: string };
  beforeAll(async () => {
    pending = await paymentIn('PROCESSING', 'sim_never_pay');
    paid = await paymentIn('SUCCEEDED', 'sim_success');
    connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const client = new PaymentClient(new Client({ connection }), {
      taskQueue: stack.taskQueue,
      records: new PaymentRepository(stack.pool),
    });
    app = await buildApi({
      pool: stack.pool,
      client,
      channels: stack.channels,
      temporalCallDeadlineMs: DEADLINE_MS,
    });
  });
  afterAll(async () => {
    await app?.close();
    // The calls answered 503 go on retrying in the SDK until their deadline; closing the channel under them throws.
    await new Promise((r) => setTimeout(r, Math.max(0, lastCallAt + DEADLINE_MS + 500 - Date.now())));
    await connection?.close();
  });

  test('a create sent at once (before the monitor has found Temporal down) is answered 503 within 5 s', async () => {
    expectFast503(await call(app, 'POST', '/v1/payments', { body: createBody('sim_success') }));
  });

  test('create, pay again, close, refund, ops query and cancel each answer 503 problem+json within 5 s', async () => {
    const ops = DEFAULT_DEMO_KEYS.adminKey;
    expectFast503(await call(app, 'POST', '/v1/payments', { body: createBody('sim_success') }));
    expectFast503(await call(app, 'POST', `/v1/payments/${pending.id}/attempts`, { body: {} }));
    expectFast503(await call(app, 'POST', `/v1/payments/${pending.id}/close`));
    expectFast503(
      await call(app, 'POST', `/v1/payments/${paid.id}/refunds`, {
        body: { outRefundNo: 'DD-1', amount: 100 },
      }),
    );
    expectFast503(
      await call(app, 'POST', `/v1/ops/payments/${pending.id}/query`, {
        key: ops,
        body: { reason: 'dependency test' },
      }),
    );
    expectFast503(
      await call(app, 'POST', `/v1/ops/payments/${pending.id}/cancel`, {
        key: ops,
        body: { reason: 'dependency test' },
      }),
    );
  });

  test('a read that needs only PostgreSQL still answers; /readyz is 503 (temporal false), /healthz 200', async () => {
    const g = await call(app, 'GET', `/v1/payments/${pending.id}`);
    expect(g.status).toBe(200);
    const ready = await call(app, 'GET', '/readyz');
    expect(ready.ms).toBeLessThan(FAST_MS);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not ready', db: true, temporal: false });
    expect((await call(app, 'GET', '/healthz')).status).toBe(200);
  });

  test('a genuine notify answers fail with 503 within 5 s and is kept in the inbox', async () => {
    const n = signedPaidNotify(pending.attempts[0].channelOutTradeNo);
    const a = await call(app, 'POST', '/v1/channels/sandbox/notify', { form: n });
    expect(a.ms).toBeLessThan(FAST_MS);
    expect(a.status).toBe(503);
    expect(a.text).toBe('fail');
    const inbox = await stack.pool.query(
      'SELECT count(*) FROM channel_notifications WHERE verified AND notify_id = $1',
      [n.notify_id],
    );
    expect(Number(inbox.rows[0].count)).toBe(1);
  });

  test('on the live Temporal the same requests succeed', async () => {
    const r = await stack.api('POST', `/v1/payments/${paid.id}/refunds`, {
      body: { outRefundNo: 'DD-1', amount: 100 },
    });
    expect([200, 201]).toContain(r.status);
    expect((await stack.api('POST', `/v1/payments/${pending.id}/close`)).body.status).toBe('CLOSED');
    expect((await stack.api('GET', '/readyz')).status).toBe(200);
  });
});

describe('PostgreSQL unreachable', () => {
  let app: FastifyInstance;
  let deadPool: Pool;
  beforeAll(async () => {
    deadPool = createPool(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`);
    const client = new PaymentClient(stack.client.temporal, {
      taskQueue: stack.taskQueue,
      records: new PaymentRepository(deadPool),
    });
    app = await buildApi({ pool: deadPool, client, channels: stack.channels });
  });
  afterAll(async () => {
    await app?.close();
    await deadPool?.end();
  });

  test('a GET and a create answer 503 problem+json within 5 s, at once and once the monitor knows', async () => {
    for (let round = 0; round < 2; round++) {
      expectFast503(await call(app, 'GET', `/v1/payments/pay_${'0'.repeat(32)}`));
      expectFast503(await call(app, 'POST', '/v1/payments', { body: createBody('sim_success') }));
      // The second round arrives once the monitor has found PostgreSQL down (two failed checks).
      await eventually(async () =>
        (await call(app, 'GET', '/readyz')).body?.db === false ? true : undefined,
      );
      await new Promise((r) => setTimeout(r, 2_500));
    }
  });

  test('a notify answers fail with 503; /readyz is 503 (db false), /healthz 200', async () => {
    const a = await call(app, 'POST', '/v1/channels/sandbox/notify', { form: { a: 'b' } });
    expect(a.ms).toBeLessThan(FAST_MS);
    expect(a.status).toBe(503);
    expect(a.text).toBe('fail');
    const ready = await call(app, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not ready', db: false, temporal: true });
    expect((await call(app, 'GET', '/healthz')).status).toBe(200);
  });

  test('on the live PostgreSQL the same requests succeed', async () => {
    expect((await stack.api('POST', '/v1/payments', { body: createBody('sim_success') })).status).toBe(201);
  });
});

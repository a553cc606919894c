import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { beijingDay } from '../../src/channels/beijing-time';
import type { RawNotify } from '../../src/channels/channel-port';
import { startSandboxServer, type SandboxServer } from '../../src/channels/sandbox/sandbox-server';
import { loadOrCreateWechatSandboxKeys } from '../../src/channels/sandbox/wechat/wechat-keys';
import { flipBit, forgeNotify, transaction } from '../unit/channels/support/wechat-notifies';
import { channelBill } from './support/channel-bill';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

/** WeChat notifies, refunds and answers that do not verify, through the API; money judged at the sandbox. */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `wechat-ntf-${process.pid}` });
});
afterAll(async () => stack?.stop());

const keys = () => loadOrCreateWechatSandboxKeys(stack.dataDir);
const wechat = () => stack.channels.get('sandbox_wechat');

async function create(token: string) {
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('wxn'),
      amount: 1999,
      currency: 'CNY',
      subject: 'Cake',
      orderDeadline: inMinutes(10),
      channel: 'sandbox_wechat',
      method: { type: 'wallet', token },
    },
  });
  expect(r.status).toBe(201);
  return r.body as {
    id: string;
    nextAction: { url: string } | null;
    attempts: Array<{ channelOutTradeNo: string }>;
  };
}
async function statusOf(id: string, until: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const r = await stack.api('GET', `/v1/payments/${id}`);
    return r.body?.status === until ? r.body : undefined;
  }, timeoutMs);
}
async function post(notify: RawNotify) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(notify.headers)) if (value !== undefined) headers[name] = value;
  const res = await fetch(`${stack.apiUrl}/v1/channels/sandbox_wechat/notify`, {
    method: 'POST',
    headers,
    body: notify.rawBody,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}
const inboxOf = async (outTradeNo: string) =>
  (
    await stack.pool.query<{ verified: boolean; rejection_reason: string | null; notify_id: string | null }>(
      'SELECT verified, rejection_reason, notify_id FROM channel_notifications WHERE out_trade_no = $1 ORDER BY id',
      [outTradeNo],
    )
  ).rows;

describe('notifies', () => {
  test('forged, tampered, stale, probe, wrong GCM tag, wrong amount: 4xx FAIL, nothing changes, all recorded', async () => {
    const p = await create('sim_never_pay');
    const no = p.attempts[0]!.channelOutTradeNo;
    const tx = transaction(keys(), no, 1999);
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const id = (name: string) => `${name.replace(/\W/g, '-')}-${no}`;
    const good = (name: string) => forgeNotify(keys(), tx, { id: id(name) });
    const tampered = good('tampered');
    const probe = good('probe');
    const bad: Array<[string, RawNotify]> = [
      [
        'forged',
        forgeNotify({ ...keys(), platformPrivateKeyPem: forger.toString() }, tx, { id: id('forged') }),
      ],
      [
        'tampered',
        { ...tampered, rawBody: tampered.rawBody.replace('"encrypt-resource"', '"encrypt-resource" ') },
      ],
      ['stale', forgeNotify(keys(), tx, { id: id('stale'), at: new Date(Date.now() - 6 * 60_000) })],
      ['probe', { ...probe, headers: { ...probe.headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/xyz' } }],
      [
        'wrong GCM tag',
        forgeNotify(keys(), tx, { id: id('wrong GCM tag'), ciphertext: (c) => flipBit(c, 'tag') }),
      ],
      ['wrong amount', forgeNotify(keys(), transaction(keys(), no, 1), { id: id('wrong amount') })],
      [
        'wrong app id',
        forgeNotify(keys(), { ...tx, appid: 'wx0000000000000000' }, { id: id('wrong app id') }),
      ],
    ];
    for (const [name, notify] of bad) {
      const r = await post(notify);
      expect([name, r.status >= 400 && r.status < 500]).toEqual([name, true]);
      expect(r.body).toEqual({ code: 'FAIL', message: expect.any(String) });
    }
    // Every refusal is in the inbox for operators, under the id it claimed, with its reason.
    const recorded = await stack.pool.query<{ notify_id: string; rejection_reason: string }>(
      'SELECT notify_id, rejection_reason FROM channel_notifications WHERE notify_id = ANY($1) AND NOT verified',
      [bad.map(([name]) => id(name))],
    );
    const reasons = Object.fromEntries(recorded.rows.map((row) => [row.notify_id, row.rejection_reason]));
    expect(bad.map(([name]) => [name, reasons[id(name)]])).toEqual([
      ['forged', 'bad signature'],
      ['tampered', 'bad signature'],
      ['stale', expect.stringMatching(/300 s off/)],
      ['probe', expect.stringMatching(/signature probe/)],
      ['wrong GCM tag', 'GCM tag does not verify'],
      ['wrong amount', expect.stringMatching(/amount 1 differs/)],
      ['wrong app id', expect.stringMatching(/appid/)],
    ]);
    // The two refused after decryption are filed under their trade.
    expect((await inboxOf(no)).filter((row) => !row.verified)).toHaveLength(2);
    expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('PROCESSING');
  });

  test('a notify with no Wechatpay-* headers at all (a form body): 400 FAIL and recorded, never a 5xx', async () => {
    const notifyId = `unsigned-${Date.now()}`;
    const r = await stack.api('POST', '/v1/channels/sandbox_wechat/notify', {
      key: null,
      raw: `notify_id=${notifyId}&out_trade_no=sandbox&sign=AAAA`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: 'FAIL', message: 'missing Wechatpay-* signature headers' });
    const kept = await stack.pool.query(
      "SELECT raw FROM channel_notifications WHERE channel = 'sandbox_wechat' AND NOT verified AND raw->>'body' LIKE $1",
      [`%${notifyId}%`],
    );
    expect(kept.rows).toHaveLength(1);
  });

  test('a replayed notify: 204 again inside the window, one verified row; a stale replay is refused', async () => {
    const p = await create('sim_success_no_notify');
    const no = p.attempts[0]!.channelOutTradeNo;
    const paid = await statusOf(p.id, 'SUCCEEDED');
    const tx = transaction(keys(), no, 1999, { transaction_id: paid.attempts[0].channelTradeNo });
    const notify = forgeNotify(keys(), tx, { id: `replay-${no}` });
    expect((await post(notify)).status).toBe(204);
    expect((await post(notify)).status).toBe(204);
    const stale = forgeNotify(keys(), tx, { id: `replay-${no}`, at: new Date(Date.now() - 10 * 60_000) });
    expect((await post(stale)).status).toBe(400);
    const rows = await inboxOf(no);
    expect(rows.filter((row) => row.verified)).toHaveLength(1);
    const refused = await stack.pool.query<{ rejection_reason: string }>(
      'SELECT rejection_reason FROM channel_notifications WHERE notify_id = $1 AND NOT verified',
      [`replay-${no}`],
    );
    expect(refused.rows.map((row) => row.rejection_reason)).toEqual([expect.stringMatching(/300 s off/)]);
    expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('SUCCEEDED');
  });
});

describe('refunds on sandbox_wechat, judged by the sandbox', () => {
  const refund = (paymentId: string, body: unknown) =>
    stack.api('POST', `/v1/payments/${paymentId}/refunds`, { body });
  const refundUntil = (id: string, status: string) =>
    eventually(async () => {
      const r = await stack.api('GET', `/v1/refunds/${id}`);
      return r.body?.status === status ? r.body : undefined;
    }, 30_000);
  const outRequestNoOf = async (refundId: string) =>
    (
      await stack.pool.query<{ out_request_no: string }>('SELECT out_request_no FROM refunds WHERE id = $1', [
        refundId,
      ])
    ).rows[0]!.out_request_no;

  test('a partial refund, re-entrant with the same outRefundNo, then the rest; the bill shows each once', async () => {
    const p = await create('sim_success');
    await statusOf(p.id, 'SUCCEEDED');
    const no = p.attempts[0]!.channelOutTradeNo;
    const first = await refund(p.id, { outRefundNo: 'WR-1', amount: 500 });
    expect(first.status).toBe(201);
    const again = await refund(p.id, { outRefundNo: 'WR-1', amount: 500 });
    expect(again.body.id).toBe(first.body.id);
    await refundUntil(first.body.id, 'SUCCEEDED');
    const second = await refund(p.id, { outRefundNo: 'WR-2', amount: 1499 });
    await refundUntil(second.body.id, 'SUCCEEDED');
    expect((await refund(p.id, { outRefundNo: 'WR-3', amount: 1 })).status).toBe(422);

    // At the channel: its refund query and its bill.
    expect(await wechat().refundQuery(no, await outRequestNoOf(first.body.id))).toMatchObject({
      status: 'SUCCEEDED',
      amount: 500,
    });
    const rows = (await channelBill(wechat(), beijingDay(new Date()))).filter((row) => row.outTradeNo === no);
    expect(rows.map((row) => [row.kind, row.amount]).sort()).toEqual([
      ['PAYMENT', 1999],
      ['REFUND', 1499],
      ['REFUND', 500],
    ]);
  });

  test('sim_refund_fail_once: refunded after a retryable failure, once at the channel', async () => {
    const p = await create('sim_refund_fail_once');
    await statusOf(p.id, 'SUCCEEDED');
    const r = await refund(p.id, { outRefundNo: 'WF-1', amount: 700 });
    await refundUntil(r.body.id, 'SUCCEEDED');
    const no = p.attempts[0]!.channelOutTradeNo;
    const rows = (await channelBill(wechat(), beijingDay(new Date()))).filter(
      (row) => row.outTradeNo === no && row.kind === 'REFUND',
    );
    expect(rows.map((row) => row.amount)).toEqual([700]);
  });

  test('sim_refund_closed: the refund ends FAILED, no money left the channel', async () => {
    const p = await create('sim_refund_closed');
    await statusOf(p.id, 'SUCCEEDED');
    const r = await refund(p.id, { outRefundNo: 'WC-1', amount: 300 });
    const failed = await refundUntil(r.body.id, 'FAILED');
    expect(failed.code).toBe('REFUND_CLOSED');
    const no = p.attempts[0]!.channelOutTradeNo;
    const rows = (await channelBill(wechat(), beijingDay(new Date()))).filter((row) => row.outTradeNo === no);
    expect(rows.map((row) => row.kind)).toEqual(['PAYMENT']);
  });

  test('the sandbox restarts with a refund on its way: its WeChat books keep both, the refund lands once', async () => {
    const p = await create('sim_success');
    await statusOf(p.id, 'SUCCEEDED');
    const no = p.attempts[0]!.channelOutTradeNo;
    const r = await refund(p.id, { outRefundNo: 'WJ-1', amount: 600 });
    expect(r.status).toBe(201);
    await stack.sandboxDown();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stack.sandboxUp();
    await refundUntil(r.body.id, 'SUCCEEDED');
    expect(await wechat().query(no)).toMatchObject({ status: 'PAID', amount: 1999 });
    expect(await wechat().refundQuery(no, await outRequestNoOf(r.body.id))).toMatchObject({
      status: 'SUCCEEDED',
      amount: 600,
    });
    const rows = (await channelBill(wechat(), beijingDay(new Date()))).filter((row) => row.outTradeNo === no);
    expect(rows.map((row) => [row.kind, row.amount]).sort()).toEqual([
      ['PAYMENT', 1999],
      ['REFUND', 600],
    ]);
  });
});

describe('an answer whose signature does not verify', () => {
  let proxy: Server;
  let other: SandboxServer;
  afterAll(async () => {
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await other?.close();
    await stack.sandboxUp();
  });

  test('is UNKNOWN, never a success: a tampered "paid" answer does not make the payment SUCCEEDED', async () => {
    // The WeChat port the service calls, from a code_url the sandbox wrote.
    const probe = await create('sim_never_pay');
    const wechatUrl = decodeURIComponent(/sandbox=([^&]+)/.exec(probe.nextAction?.url ?? '')?.[1] ?? '');
    expect(wechatUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await stack.sandboxDown();
    other = await startSandboxServer({ port: 0, dataDir: stack.dataDir, payDelayMs: 60_000 });
    // In its place, a proxy to another sandbox with the same keys, rewriting bodies but not signatures.
    proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        void (async () => {
          const upstream = await fetch(`${other.wechat.url}${req.url ?? ''}`, {
            method: req.method,
            headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
            body: req.method === 'GET' ? undefined : body,
          });
          const text = (await upstream.text())
            .replace('"NOTPAY"', '"SUCCESS"')
            .replace('weixin://', 'weixin://x');
          upstream.headers.forEach((value, name) => {
            if (name.startsWith('wechatpay-') || name === 'content-type') res.setHeader(name, value);
          });
          res.statusCode = upstream.status;
          res.end(text);
        })();
      });
    });
    await new Promise<void>((resolve) =>
      proxy.listen(Number(new URL(wechatUrl).port), '127.0.0.1', () => resolve()),
    );

    const r = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo: orderNo('wxbad'),
        amount: 1999,
        currency: 'CNY',
        subject: 'Cake',
        orderDeadline: inMinutes(10),
        channel: 'sandbox_wechat',
        method: { type: 'wallet', token: 'sim_never_pay' },
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('UNKNOWN');
    expect(r.body.attempts[0]).toMatchObject({ status: 'UNKNOWN', code: 'INVALID_RESPONSE_SIGNATURE' });
    // The workflow's queries come back "SUCCESS" but unsigned for that body: still not SUCCEEDED.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await stack.api('GET', `/v1/payments/${r.body.id}`);
    expect(later.body.status).not.toBe('SUCCEEDED');
    expect(await wechat().query(r.body.attempts[0].channelOutTradeNo)).toMatchObject({
      status: 'UNKNOWN',
      code: 'INVALID_RESPONSE_SIGNATURE',
    });
  });
});

import { connect } from 'node:net';
import { buildApi } from '../../../src/api/app';
import { createPool } from '../../../src/db/pool';
import { env, startTestStack, type TestStack } from '../support/test-stack';

/**
 * Issue 8, items 4 and 5: every error the HTTP server produces is problem+json with its own code —
 * Node's parser errors (headers over 16 KB, framing), Fastify's router errors (bad percent-encoding,
 * a long path id), the parsers' 413 and 415 — and a merchant key on an ops path is refused (403)
 * before its body, parameters or query are looked at.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `protocol-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

/** One raw HTTP exchange on its own socket: the full answer, or 'NO ANSWER' after 3 s. */
function rawHttp(request: string): Promise<string> {
  const { port } = new URL(stack.apiUrl);
  return new Promise((resolve) => {
    const s = connect(Number(port), '127.0.0.1', () => s.write(request));
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(out || 'NO ANSWER');
    }, 3_000);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out || 'NO ANSWER');
    });
  });
}

const problemOf = (answer: string) => {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]), head, body: JSON.parse(body || 'null') };
};

test('headers over 16 KB: 431 problem+json', async () => {
  const a = problemOf(
    await rawHttp(`GET /v1/payments HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
  );
  expect(a.status).toBe(431);
  expect(a.head.toLowerCase()).toContain('content-type: application/problem+json');
  expect(a.body).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
});

test.each([
  ['garbage request line', 'GARBAGE\r\n\r\n'],
  ['bad Content-Length', 'POST /v1/payments HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n'],
])('%s: 400 problem+json VALIDATION_ERROR', async (_n, request) => {
  const a = problemOf(await rawHttp(request));
  expect(a.status).toBe(400);
  expect(a.head.toLowerCase()).toContain('content-type: application/problem+json');
  expect(a.body).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
});

test('HTTP/1.0 without Host is answered', async () => {
  const ok = await rawHttp('GET /healthz HTTP/1.0\r\n\r\n');
  expect(ok).toMatch(/^HTTP\/1\.[01] 200/);
  const unauth = problemOf(await rawHttp('GET /v1/payments/pay_x HTTP/1.0\r\n\r\n'));
  expect(unauth.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
});

test('bad percent-encoding and a path id over the router limit: 404 problem+json (401 without a key)', async () => {
  for (const path of ['/v1/payments/%zz', '/v1/refunds/%E0%A4%A', `/v1/payments/pay_${'a'.repeat(10_000)}`]) {
    const r = await stack.api('GET', path);
    expect([path.slice(0, 30), r.status, r.body?.code]).toEqual([path.slice(0, 30), 404, 'NOT_FOUND']);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  }
  const noKey = await stack.api('GET', '/v1/payments/%zz', { key: null });
  expect(noKey.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  const merchantOnOps = await stack.api('POST', '/v1/ops/payments/%zz/query', { body: {} });
  expect(merchantOnOps.body).toMatchObject({ status: 403, code: 'FORBIDDEN' });
});

test('413 PAYLOAD_TOO_LARGE and 415 UNSUPPORTED_MEDIA_TYPE, not VALIDATION_ERROR', async () => {
  const huge = await stack.api('POST', '/v1/payments', {
    raw: JSON.stringify({ subject: 'x'.repeat(600_000) }),
    headers: { 'content-type': 'application/json' },
  });
  expect(huge.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  const xml = await stack.api('POST', '/v1/payments', {
    raw: '<x/>',
    headers: { 'content-type': 'application/xml' },
  });
  expect(xml.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  expect(xml.headers.get('content-type')).toContain('application/problem+json');
});

test('JSON nested 10,000 levels in any body is a 400', async () => {
  const raw = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const r = await stack.api('POST', '/v1/payments', { raw, headers: { 'content-type': 'application/json' } });
  expect(r.body).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
});

describe('role before body: a merchant key on any ops path is 403 whatever it sends', () => {
  const requests: Array<[string, string, { raw?: string; headers?: Record<string, string> }]> = [
    [
      'POST',
      '/v1/ops/payments/not-an-id/query',
      { raw: '{bad json', headers: { 'content-type': 'application/json' } },
    ],
    [
      'POST',
      '/v1/ops/payments/pay_x/cancel',
      { raw: '<x/>', headers: { 'content-type': 'application/xml' } },
    ],
    [
      'POST',
      '/v1/ops/refunds/ref_x/retry',
      { raw: JSON.stringify({ r: 'x'.repeat(600_000) }), headers: { 'content-type': 'application/json' } },
    ],
    ['PUT', '/v1/ops/retry-rules/%20bad', { raw: '{}', headers: { 'content-type': 'application/json' } }],
    ['DELETE', '/v1/ops/retry-rules/x', { raw: 'null', headers: { 'content-type': 'application/json' } }],
    ['GET', '/v1/ops/audit-log?targetId=%00&limit=-5', {}],
    ['GET', '/v1/ops/exceptions?limit=abc', {}],
    ['GET', '/v1/ops/nothing-here', {}],
  ];
  test.each(requests)('%s %s', async (method, path, opts) => {
    const r = await stack.api(method, path, opts);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN');
  });
});

test('notify endpoint: every error answers `fail` (text/plain) and is recorded', async () => {
  const notify = (channel: string, body: string | Buffer, type?: string) =>
    fetch(`${stack.apiUrl}/v1/channels/${channel}/notify`, {
      method: 'POST',
      headers: type ? { 'content-type': type } : {},
      body,
    });
  // Recorded = counted in its group (channel, reason); other tests may notify at the same time, so at least.
  const groups = async (): Promise<Record<string, number>> => {
    const res = await stack.pool.query(
      'SELECT channel, reason, sum(count) AS n FROM channel_notification_rejections GROUP BY 1, 2',
    );
    return Object.fromEntries(res.rows.map((r) => [`${r.channel}|${r.reason}`, Number(r.n)]));
  };
  const before = await groups();
  const form = 'application/x-www-form-urlencoded';
  const answers = await Promise.all([
    notify('sandbox', JSON.stringify({ notify_id: 'j1', out_trade_no: 'x' }), 'application/json'),
    notify('sandbox', Buffer.from([0]), form),
    notify('sandbox', 'notify_id=n%00&out_trade_no=x', form),
    notify('sandbox', 'notify_id=n1&out_trade_no=x%00y&sign=AAAA', form),
    notify('sandbox', `notify_id=big&x=${'a'.repeat(70_000)}`, form),
    notify('sandbox', '<xml/>', 'application/xml'),
    notify('nope%00', 'notify_id=n2', form),
  ]);
  for (const a of answers) {
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.status).toBeLessThan(500);
    expect(a.headers.get('content-type')).toContain('text/plain');
    expect(await a.text()).toBe('fail');
  }
  expect(answers.map((a) => a.status)).toEqual([415, 400, 400, 400, 413, 415, 404]);
  const after = await groups();
  const expected: Record<string, number> = {
    'sandbox|unsupported content type': 2,
    'sandbox|a field must not contain control characters (found U+0000)': 3,
    'sandbox|body too large': 1,
    '(unknown)|unknown channel': 1,
  };
  for (const [group, n] of Object.entries(expected)) {
    expect([group, (after[group] ?? 0) - (before[group] ?? 0) >= n]).toEqual([group, true]);
  }
});

test('healthz and readyz are in the OpenAPI document; DELETE of a retry rule takes an optional body', async () => {
  const doc = await stack.api('GET', '/openapi.json', { key: null });
  expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  const del = doc.body.paths['/v1/ops/retry-rules/{ruleNo}'].delete;
  expect(del.requestBody?.required ?? false).toBe(false);
});

test('while the database is down: the notify endpoint answers `fail` (503), the API 503 problem+json', async () => {
  const pool = createPool(env('DATABASE_URL'));
  await pool.end();
  const app = await buildApi({ pool, client: stack.client, channels: stack.channels });
  try {
    const notify = await app.inject({
      method: 'POST',
      url: '/v1/channels/sandbox/notify',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'notify_id=down-1&out_trade_no=pay_x-1&sign=AAAA&sign_type=RSA2',
    });
    expect([notify.statusCode, notify.body, notify.headers['content-type']]).toEqual([
      503,
      'fail',
      expect.stringContaining('text/plain'),
    ]);
    const api = await app.inject({
      method: 'GET',
      url: '/v1/payments/pay_00000000000000000000000000000000',
      headers: { authorization: 'Bearer sk_test_demo_merchant' },
    });
    expect(api.statusCode).toBe(503);
    expect(api.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(api.body)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  } finally {
    await app.close();
  }
});

import { createHash } from 'node:crypto';
import { orderNo, startTestStack, type TestStack } from '../support/test-stack';

/**
 * Issue 8, item 7: the unauthenticated notify endpoint once filled /v1/ops/exceptions with rejected
 * notifies, hiding UNKNOWN payments. Identical rejections are now one counted group (raw rows kept for
 * the first ones only), and the exceptions are paged, counted per kind and filtered by kind.
 */
const OPERATOR = 'sk_test_demo_operator';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `flood-${process.pid}`, worker: false });
});
afterAll(async () => stack?.stop());

test('a flood of rejected notifies is grouped: every UNKNOWN payment stays visible, and pages and kinds work', async () => {
  const unknownIds = ['pay_' + createHash('md5').update(`u1-${Date.now()}`).digest('hex')];
  // An UNKNOWN payment, made so directly in the record (the flood is what is tested here).
  await stack.pool.query(
    `INSERT INTO payments (id, merchant_id, out_trade_no, amount, currency, subject, status, order_deadline,
                           expires_at, transaction_type, source, workflow_id, created_at, updated_at)
     VALUES ($1, 'm_demo', $2, 1, 'CNY', 'x', 'UNKNOWN', now() + interval '1 hour', now() + interval '1 hour',
             'PURCHASE', 'ONLINE', 'wf-' || $2, now() - interval '1 day', now() - interval '1 day')`,
    [unknownIds[0], orderNo('unk')],
  );
  const flood = Array.from({ length: 150 }, (_, i) =>
    fetch(`${stack.apiUrl}/v1/channels/sandbox/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `notify_id=flood-${i}&out_trade_no=nobody&sign=AAAA&sign_type=RSA2`,
    }),
  );
  for (const a of await Promise.all(flood)) expect(a.status).toBe(400);
  const group = await stack.pool.query(
    "SELECT count FROM channel_notification_rejections WHERE channel = 'sandbox' AND reason = 'bad signature' AND payment_key = ''",
  );
  expect(Number(group.rows[0].count)).toBeGreaterThanOrEqual(150);
  const kept = await stack.pool.query(
    "SELECT count(*) FROM channel_notifications WHERE channel = 'sandbox' AND NOT verified AND rejection_reason = 'bad signature' AND payment_id IS NULL",
  );
  expect(Number(kept.rows[0].count)).toBeLessThanOrEqual(100);

  const first = await stack.api('GET', '/v1/ops/exceptions?limit=5', { key: OPERATOR });
  expect(first.status).toBe(200);
  const rejectedEntries = first.body.exceptions.filter(
    (e: { kind: string }) => e.kind === 'CHANNEL_NOTIFICATION_REJECTED',
  );
  expect(rejectedEntries.length).toBeLessThanOrEqual(5);
  expect(first.body.counts.CHANNEL_NOTIFICATION_REJECTED).toBeGreaterThanOrEqual(150);
  const unknown = await stack.api('GET', '/v1/ops/exceptions?kind=PAYMENT_UNKNOWN&limit=500', {
    key: OPERATOR,
  });
  expect(unknown.body.exceptions.every((e: { kind: string }) => e.kind === 'PAYMENT_UNKNOWN')).toBe(true);
  expect(unknown.body.exceptions.map((e: { id: string }) => e.id)).toContain(unknownIds[0]);

  // Paging: every entry exactly once, in order.
  const all: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `limit=1&cursor=${cursor}` : 'limit=1';
    const page: { status: number; body: any } = await stack.api('GET', `/v1/ops/exceptions?${q}`, {
      key: OPERATOR,
    });
    expect([page.status, page.body?.detail, q]).toEqual([200, undefined, q]);
    all.push(...page.body.exceptions.map((e: { kind: string; id: string }) => `${e.kind}:${e.id}`));
    cursor = page.body.nextCursor;
  } while (cursor && all.length < 2_000);
  expect(new Set(all).size).toBe(all.length);
  expect(all.length).toBeGreaterThanOrEqual(2); // the UNKNOWN payment and the group: at least one cursor was followed
  const whole = await stack.api('GET', '/v1/ops/exceptions?limit=500', { key: OPERATOR });
  if (!whole.body.nextCursor) expect(all.length).toBe(whole.body.exceptions.length);
  expect((await stack.api('GET', '/v1/ops/exceptions?cursor=bm9wZQ', { key: OPERATOR })).status).toBe(400);
  expect((await stack.api('GET', '/v1/ops/exceptions?kind=NOPE', { key: OPERATOR })).status).toBe(400);
});

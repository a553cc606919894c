import { createHmac } from 'node:crypto';
import { assertDeliverableNotifyUrl } from '../../src/net/notify-url-guard';
import { insertOutboxEvent } from '../../src/db/outbox';
import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';
import { withTransaction } from '../../src/db/transaction';
import {
  NOTIFICATION_MAX_TRIES,
  notificationRetryDelaysMs,
  notificationWorkflowId,
} from '../../src/domain/notification-schedule';
import { failTimes, NotifyReceiver, type ReceivedRequest } from './support/notify-receiver';
import {
  eventually,
  inMinutes,
  inSeconds,
  MERCHANT2_KEY,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

// The whole retry schedule (about 24 h) compressed 10 000 times: about 8.7 s. Read by the worker at start.
const SCALE = 0.0001;
process.env.MERCHANT_NOTIFY_SCHEDULE_SCALE = String(SCALE);
process.env.MERCHANT_NOTIFY_SWEEP_MS = '200';

const OPERATOR_KEY = DEFAULT_DEMO_KEYS.operatorKey;
const NOTIFY_SECRET = DEFAULT_DEMO_KEYS.notifySecret;

let stack: TestStack;
let receiver: NotifyReceiver;

beforeAll(async () => {
  receiver = await NotifyReceiver.start();
  stack = await startTestStack({ taskQueue: `notify-${process.pid}` });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const createPayment = (token: string, notifyUrl: string | undefined, extra: Record<string, unknown> = {}) =>
  stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('ntf'),
      amount: 1999,
      currency: 'CNY',
      subject: 'Coffee',
      orderDeadline: inMinutes(10),
      method: { type: 'wallet', token },
      ...(notifyUrl ? { notifyUrl } : {}),
      ...extra,
    },
  });

const paymentWithStatus = (id: string, status: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const r = await stack.api('GET', `/v1/payments/${id}`);
    return r.body?.status === status ? r.body : undefined;
  }, timeoutMs);

const notificationsOf = async (paymentId: string) => {
  const r = await stack.api('GET', `/v1/payments/${paymentId}/notifications`);
  expect(r.status).toBe(200);
  return r.body.notifications as any[];
};

const notificationWithStatus = (paymentId: string, status: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const [n, ...more] = await notificationsOf(paymentId);
    expect(more).toHaveLength(0);
    return n?.status === status ? n : undefined;
  }, timeoutMs);

const opsView = async (eventId: string) => {
  const r = await stack.api('GET', `/v1/ops/notifications/${eventId}`, { key: OPERATOR_KEY });
  expect(r.status).toBe(200);
  return r.body;
};

/** What a merchant does: recompute the HMAC of "<t>.<raw body>" under its notify secret. */
function expectValidSignature(req: ReceivedRequest): void {
  const header = req.headers['payment-signature'];
  expect(typeof header).toBe('string');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header as string);
  expect(m).not.toBeNull();
  const t = Number(m![1]);
  expect(Math.abs(t - req.at / 1000)).toBeLessThan(60);
  const expected = createHmac('sha256', NOTIFY_SECRET).update(`${t}.${req.body}`, 'utf8').digest('hex');
  expect(m![2]).toBe(expected);
  // Not valid under another secret, nor for another body.
  expect(createHmac('sha256', 'whsec_other').update(`${t}.${req.body}`).digest('hex')).not.toBe(m![2]);
}

test('a payment that SUCCEEDED is announced once, signed, with { id, type, createdAt, data: payment }', async () => {
  const url = receiver.url('/ok-1');
  const created = await createPayment('sim_success', url);
  expect(created.status).toBe(201);
  const payment = await paymentWithStatus(created.body.id, 'SUCCEEDED');

  const n = await notificationWithStatus(payment.id, 'DELIVERED');
  expect(n).toMatchObject({
    type: 'payment.succeeded',
    paymentId: payment.id,
    merchantId: 'm_demo',
    refundId: null,
    notifyUrl: url,
    attempts: 1,
    lastStatusCode: 200,
    lastError: null,
    resendCount: 0,
  });
  expect(n.id).toMatch(/^evt_[0-9a-f]{32}$/);
  // Written by this worker's payment activity: this worker's sweeper starts it.
  const row = await stack.pool.query(
    'SELECT task_queue, workflow_started FROM merchant_notifications WHERE id = $1',
    [n.id],
  );
  expect(row.rows[0]).toEqual({ task_queue: stack.taskQueue, workflow_started: true });

  const reqs = receiver.requestsTo('/ok-1');
  expect(reqs).toHaveLength(1);
  const req = reqs[0]!;
  expect(req.method).toBe('POST');
  expect(req.headers['content-type']).toMatch(/^application\/json/);
  expectValidSignature(req);
  const body = JSON.parse(req.body);
  expect(Object.keys(body)).toEqual(['id', 'type', 'createdAt', 'data']);
  expect(body.id).toBe(n.id);
  expect(body.type).toBe('payment.succeeded');
  expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  expect(body.data).toEqual(payment); // the payment object exactly as the API shows it
  expect(n.payload).toEqual(body);

  // Delivered is final: nothing more arrives.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(receiver.requestsTo('/ok-1')).toHaveLength(1);
  const wf = await stack.client.temporal.workflow.getHandle(notificationWorkflowId(n.id, 0)).describe();
  expect(wf.status.name).toBe('COMPLETED');
});

test('a receiver that fails N times is delivered on try N+1, each wait following the (compressed) schedule', async () => {
  const N = 5;
  const created = await createPayment('sim_success', receiver.url('/fail-5', failTimes(N, 503)));
  const n = await notificationWithStatus(created.body.id, 'DELIVERED');
  expect(n.attempts).toBe(N + 1);
  expect(n.lastStatusCode).toBe(200);

  const reqs = receiver.requestsTo('/fail-5');
  expect(reqs.map((r) => r.answer)).toEqual([503, 503, 503, 503, 503, 200]);
  expect(new Set(reqs.map((r) => r.body)).size).toBe(1); // the same bytes every time
  reqs.forEach(expectValidSignature);
  const delays = notificationRetryDelaysMs(SCALE);
  for (let i = 1; i < reqs.length; i++) {
    expect(reqs[i]!.at - reqs[i - 1]!.at).toBeGreaterThanOrEqual(delays[i - 1]! - 1);
  }

  const ops = await opsView(n.id);
  expect(ops.deliveryAttempts.map((a: any) => [a.runNo, a.attemptNo, a.httpStatus, a.delivered])).toEqual([
    [0, 1, 503, false],
    [0, 2, 503, false],
    [0, 3, 503, false],
    [0, 4, 503, false],
    [0, 5, 503, false],
    [0, 6, 200, true],
  ]);
  expect(ops.deliveryAttempts[0].error).toBe('HTTP 503');
});

test('a receiver down longer than the whole schedule: DEAD after 16 tries; an operator resend delivers the same event', async () => {
  let down = true;
  const path = '/down-then-up';
  const created = await createPayment(
    'sim_success',
    receiver.url(path, () => (down ? 'DROP' : 200)),
  );
  const dead = await notificationWithStatus(created.body.id, 'DEAD', 60_000);
  expect(dead.attempts).toBe(NOTIFICATION_MAX_TRIES);
  expect(dead.deadAt).not.toBeNull();
  expect(dead.lastError).toEqual(expect.any(String));
  expect(dead.lastStatusCode).toBeNull();
  const tries = receiver.requestsTo(path);
  expect(tries).toHaveLength(16);
  expect(tries.every((r) => r.answer === 'DROPPED')).toBe(true);
  const firstBody = tries[0]!.body;

  // Role and input checks: merchant keys 403 (whatever the body), bad reason 400, unknown id 404, no key 401.
  const resendPath = `/v1/ops/notifications/${dead.id}/resend`;
  const reason = { reason: 'merchant fixed its endpoint' };
  expect((await stack.api('POST', resendPath, { body: reason })).status).toBe(403);
  expect((await stack.api('POST', resendPath, { key: MERCHANT2_KEY, body: {} })).status).toBe(403);
  expect((await stack.api('POST', resendPath, { key: null, body: reason })).status).toBe(401);
  const short = await stack.api('POST', resendPath, { key: OPERATOR_KEY, body: { reason: 'no' } });
  expect(short.status).toBe(400);
  expect(short.body.code).toBe('VALIDATION_ERROR');
  expect((await stack.api('POST', resendPath, { key: OPERATOR_KEY, body: {} })).status).toBe(400);
  const unknown = await stack.api('POST', `/v1/ops/notifications/evt_${'0'.repeat(32)}/resend`, {
    key: OPERATOR_KEY,
    body: reason,
  });
  expect(unknown.status).toBe(404);
  expect(unknown.body.code).toBe('NOT_FOUND');
  expect((await notificationsOf(created.body.id))[0].status).toBe('DEAD'); // nothing changed

  down = false;
  const resent = await stack.api('POST', resendPath, { key: OPERATOR_KEY, body: reason });
  expect(resent.status).toBe(202);
  expect(resent.body).toMatchObject({ id: dead.id, status: 'PENDING', resendCount: 1, deadAt: null });

  const delivered = await notificationWithStatus(created.body.id, 'DELIVERED');
  expect(delivered.id).toBe(dead.id);
  expect(delivered.attempts).toBe(NOTIFICATION_MAX_TRIES + 1);
  const all = receiver.requestsTo(path);
  expect(all).toHaveLength(17);
  const last = all[16]!;
  expect(last.answer).toBe(200);
  expect(last.body).toBe(firstBody); // the same event: same id, same bytes
  expect(JSON.parse(last.body).id).toBe(dead.id);
  expectValidSignature(last);
  const wf = stack.client.temporal.workflow.getHandle(notificationWorkflowId(dead.id, 1));
  expect(wf.workflowId).toBe(`notify-${dead.id}-resend-1`);
  expect(await wf.result()).toMatchObject({ outcome: 'DELIVERED', tries: 1 });

  // Audited in the same transaction: who, when, what, before and after.
  const audit = await stack.pool.query(
    `SELECT * FROM audit_log WHERE target_type = 'notification' AND target_id = $1 ORDER BY id`,
    [dead.id],
  );
  expect(audit.rows).toHaveLength(1);
  expect(audit.rows[0]).toMatchObject({
    action: 'notification.resend',
    actor_role: 'OPERATOR',
    reason: reason.reason,
    before: expect.objectContaining({ status: 'DEAD', resendCount: 0 }),
    after: expect.objectContaining({ status: 'PENDING', resendCount: 1 }),
  });
  expect(audit.rows[0].at).toBeInstanceOf(Date);
});

test('a merchant closing a payment gets payment.closed; a payment failed at its deadline gets payment.failed', async () => {
  const closing = await createPayment('sim_never_pay', receiver.url('/closed'));
  expect(closing.status).toBe(201);
  const closed = await stack.api('POST', `/v1/payments/${closing.body.id}/close`);
  expect(closed.status).toBe(200);
  expect(closed.body.status).toBe('CLOSED');

  const failing = await createPayment('sim_decline_insufficient_funds', receiver.url('/failed'), {
    orderDeadline: inSeconds(4),
  });
  expect(failing.body.status).toBe('AWAITING_RETRY');
  const failedPayment = await paymentWithStatus(failing.body.id, 'FAILED');

  const c = await notificationWithStatus(closing.body.id, 'DELIVERED');
  expect(c.type).toBe('payment.closed');
  const cBody = JSON.parse(receiver.requestsTo('/closed')[0]!.body);
  expect(cBody).toMatchObject({ id: c.id, type: 'payment.closed' });
  expect(cBody.data).toMatchObject({ id: closing.body.id, status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
  expectValidSignature(receiver.requestsTo('/closed')[0]!);

  const f = await notificationWithStatus(failing.body.id, 'DELIVERED');
  expect(f.type).toBe('payment.failed');
  const fBody = JSON.parse(receiver.requestsTo('/failed')[0]!.body);
  expect(fBody).toMatchObject({ id: f.id, type: 'payment.failed' });
  expect(fBody.data).toEqual(failedPayment);
});

test('no notifyUrl, no event; events are idempotent per (payment, type); other merchants see nothing', async () => {
  const quiet = await createPayment('sim_success', undefined);
  await paymentWithStatus(quiet.body.id, 'SUCCEEDED');
  expect(await notificationsOf(quiet.body.id)).toEqual([]);

  const loud = await createPayment('sim_success', receiver.url('/ok-2'));
  const n = await notificationWithStatus(loud.body.id, 'DELIVERED');
  // A retried transaction finds the event already there.
  const again = await withTransaction(stack.pool, (c) =>
    insertOutboxEvent(c, {
      merchantId: 'm_demo',
      paymentId: loud.body.id,
      type: 'payment.succeeded',
      data: {},
    }),
  );
  expect(again).toEqual({ id: n.id, inserted: false });
  expect(await notificationsOf(loud.body.id)).toHaveLength(1);
  // The event is frozen.
  await expect(
    stack.pool.query(`UPDATE merchant_notifications SET body = '{}', payload = '{}' WHERE id = $1`, [n.id]),
  ).rejects.toThrow();

  const other = await stack.api('GET', `/v1/payments/${loud.body.id}/notifications`, { key: MERCHANT2_KEY });
  expect(other.status).toBe(404);
  const opsByMerchant = await stack.api('GET', `/v1/ops/notifications/${n.id}`);
  expect(opsByMerchant.status).toBe(403);
});

test('an event committed while no worker runs is started by the sweeper once one does', async () => {
  const paid = await createPayment('sim_success', receiver.url('/late-start'));
  const payment = await paymentWithStatus(paid.body.id, 'SUCCEEDED');
  await notificationWithStatus(payment.id, 'DELIVERED');
  // A refund.* event written straight into the outbox (as a refund transaction would) while the worker is down.
  await stack.stopWorker();
  const refundId = `ref_${Date.now().toString(16)}`;
  const ev = await withTransaction(stack.pool, (c) =>
    insertOutboxEvent(c, {
      merchantId: 'm_demo',
      paymentId: payment.id,
      refundId,
      type: 'refund.succeeded',
      data: { id: refundId, paymentId: payment.id, amount: 1999 },
    }),
  );
  expect(ev?.inserted).toBe(true);
  await new Promise((r) => setTimeout(r, 700));
  expect(receiver.requestsTo('/late-start')).toHaveLength(1);
  await stack.startWorker();
  const refundEvent = await eventually(async () => {
    const list = await notificationsOf(payment.id);
    const e = list.find((x) => x.type === 'refund.succeeded');
    return e?.status === 'DELIVERED' ? e : undefined;
  });
  expect(refundEvent).toMatchObject({ id: ev!.id, refundId });
  const body = JSON.parse(receiver.requestsTo('/late-start')[1]!.body);
  expect(body).toMatchObject({ id: ev!.id, type: 'refund.succeeded', data: { id: refundId } });
});

test('assertDeliverableNotifyUrl: the create-side check (production: https, public addresses only)', async () => {
  await expect(
    assertDeliverableNotifyUrl(receiver.url('/x'), { production: false }),
  ).resolves.toBeUndefined();
  for (const url of [receiver.url('/x'), 'https://localhost/x', 'https://127.0.0.1/x', 'https://[::1]/x']) {
    await expect(assertDeliverableNotifyUrl(url, { production: true })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/^notifyUrl: /),
    });
  }
  await expect(
    assertDeliverableNotifyUrl('https://93.184.216.34/n', { production: true }),
  ).resolves.toBeUndefined();
});

import { createSign } from 'node:crypto';
import { loadOrCreateSandboxKeys } from '../../src/channels/sandbox/sandbox-keys';
import {
  eventually,
  inMinutes,
  inSeconds,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

const OPERATOR = 'sk_test_demo_operator';
const ADMIN = 'sk_test_demo_admin';
const MERCHANT = 'sk_test_demo_merchant';
const reason = { reason: 'ticket OPS-42: customer called' };

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `ops-${process.pid}` });
});
afterAll(async () => stack?.stop());

async function pay(token: string, extra: Record<string, unknown> = {}) {
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('ops'),
      amount: 3000,
      currency: 'CNY',
      subject: 'Desk',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token },
      ...extra,
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

const statusOf = (id: string, until: string, timeoutMs = 20_000) =>
  eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${id}`);
    return g.body.status === until ? g.body : undefined;
  }, timeoutMs);

async function auditFor(targetId: string) {
  const r = await stack.api('GET', `/v1/ops/audit-log?targetId=${targetId}`, { key: OPERATOR });
  expect(r.status).toBe(200);
  return r.body.entries as Array<{
    action: string;
    actor: { role: string };
    reason: string;
    before: any;
    after: any;
  }>;
}

test('role checks: merchant keys get 403 on every ops path, operators 403 on cancel, no key 401', async () => {
  const p = await pay('sim_never_pay');
  const paths: Array<[string, string]> = [
    ['POST', `/v1/ops/payments/${p.id}/query`],
    ['POST', `/v1/ops/payments/${p.id}/cancel`],
    ['POST', `/v1/ops/refunds/ref_${'0'.repeat(32)}/retry`],
    ['POST', `/v1/ops/notifications/evt_${'0'.repeat(32)}/resend`],
    ['GET', '/v1/ops/exceptions'],
    ['GET', '/v1/ops/audit-log'],
  ];
  for (const [method, path] of paths) {
    const m = await stack.api(method, path, { key: MERCHANT, body: method === 'POST' ? reason : undefined });
    expect([path, m.status, m.body.code]).toEqual([path, 403, 'FORBIDDEN']);
    const none = await stack.api(method, path, { key: null, body: method === 'POST' ? reason : undefined });
    expect([path, none.status]).toEqual([path, 401]);
  }
  const op = await stack.api('POST', `/v1/ops/payments/${p.id}/cancel`, { key: OPERATOR, body: reason });
  expect(op.status).toBe(403);
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('PROCESSING');
});

test('every operator call needs a reason of 3-500 characters', async () => {
  const p = await pay('sim_never_pay');
  for (const body of [{}, { reason: 'no' }, { reason: 'x'.repeat(501) }, { reason: 42 }]) {
    const r = await stack.api('POST', `/v1/ops/payments/${p.id}/query`, { key: OPERATOR, body });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_ERROR');
  }
  expect(await auditFor(p.id)).toEqual([]);
});

test('query asks the channel now and applies the answer, on the record with before and after', async () => {
  const slow = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('opsq'),
      amount: 3000,
      currency: 'CNY',
      subject: 'Desk',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token: 'sim_success_no_notify' },
    },
  });
  await new Promise((r) => setTimeout(r, 400)); // the buyer pays ~0.2 s after the trade is created
  const q = await stack.api('POST', `/v1/ops/payments/${slow.body.id}/query`, {
    key: OPERATOR,
    body: reason,
  });
  expect(q.status).toBe(200);
  expect(q.body.status).toBe('SUCCEEDED');
  const [entry] = await auditFor(slow.body.id);
  expect(entry).toMatchObject({
    action: 'payment.query',
    actor: { role: 'OPERATOR' },
    reason: reason.reason,
  });
  expect(entry!.after.status).toBe('SUCCEEDED');
  expect(['PROCESSING', 'SUCCEEDED']).toContain(entry!.before.status);
});

test('admin cancel of an unpaid payment closes it here and at the channel (OPERATOR_CANCELLED)', async () => {
  const p = await pay('sim_never_pay');
  const c = await stack.api('POST', `/v1/ops/payments/${p.id}/cancel`, { key: ADMIN, body: reason });
  expect(c.status).toBe(200);
  expect(c.body).toMatchObject({ status: 'CLOSED', closeReason: 'OPERATOR_CANCELLED' });
  const q = await stack.channels.get('sandbox').query(c.body.attempts[0].channelOutTradeNo);
  expect(q.status).toBe('CLOSED');
  const [entry] = await auditFor(p.id);
  expect(entry).toMatchObject({ action: 'payment.cancel', actor: { role: 'ADMIN' } });
  expect(entry!.before.status).toBe('PROCESSING');
  expect(entry!.after.status).toBe('CLOSED');
});

test('admin cancel of a paid payment refunds it in full', async () => {
  const p = await pay('sim_success');
  await statusOf(p.id, 'SUCCEEDED');
  const c = await stack.api('POST', `/v1/ops/payments/${p.id}/cancel`, { key: ADMIN, body: reason });
  expect(c.status).toBe(200);
  const refunded = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${p.id}`);
    return g.body.refundedAmount === 3000 ? g.body : undefined;
  }, 30_000);
  expect(refunded.status).toBe('SUCCEEDED');
  const list = await stack.api('GET', `/v1/payments/${p.id}/refunds`);
  expect(list.body.refunds).toHaveLength(1);
  expect(list.body.refunds[0]).toMatchObject({ amount: 3000, status: 'SUCCEEDED' });
});

test('sim_pay_at_deadline ends SUCCEEDED, or CLOSED with the money refunded automatically — never CLOSED with money kept', async () => {
  const payments = await Promise.all(
    Array.from({ length: 4 }, () => pay('sim_pay_at_deadline', { orderDeadline: inSeconds(4) })),
  );
  for (const p of payments) {
    const final = await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${p.id}`);
      return ['SUCCEEDED', 'CLOSED'].includes(g.body.status) ? g.body : undefined;
    }, 30_000);
    const atChannel = await stack.channels.get('sandbox').query(final.attempts[0].channelOutTradeNo);
    if (final.status === 'CLOSED' && atChannel.status === 'PAID') {
      const refund = await eventually(async () => {
        const l = await stack.api('GET', `/v1/payments/${p.id}/refunds`);
        const r = (l.body.refunds ?? []).find((x: { status: string }) => x.status === 'SUCCEEDED');
        return r;
      }, 30_000);
      expect(refund).toMatchObject({ amount: 3000, reason: 'LATE_PAYMENT' });
    } else {
      expect(final.status === 'SUCCEEDED' ? 'PAID' : 'NOT PAID').toBe(
        atChannel.status === 'PAID' ? 'PAID' : 'NOT PAID',
      );
    }
  }
});

test('a success after the payment closed is refunded automatically and listed in the exceptions', async () => {
  const p = await pay('sim_never_pay');
  expect((await stack.api('POST', `/v1/payments/${p.id}/close`)).body.status).toBe('CLOSED');
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  // The sandbox has the trade closed, so it would call this forged success stale; with the channel
  // unreachable the signed notify is trusted (a real late debit: sim_pay_after_close).
  await stack.sandboxDown();
  const fields: Record<string, string> = {
    notify_id: `late-${Date.now()}`,
    notify_time: '2026-11-21 12:00:00',
    app_id: keys.appId,
    out_trade_no: p.attempts[0].channelOutTradeNo,
    trade_no: `2026${Date.now()}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '30.00',
  };
  const content = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(keys.channelPrivateKeyPem, 'base64');
  const res = await fetch(`${stack.apiUrl}/v1/channels/sandbox/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, sign_type: 'RSA2', sign }).toString(),
  });
  expect(await res.text()).toBe('success');
  const refund = await eventually(async () => {
    const l = await stack.api('GET', `/v1/payments/${p.id}/refunds`);
    return (l.body.refunds ?? []).find((x: { reason: string }) => x.reason === 'LATE_PAYMENT');
  }).finally(() => stack.sandboxUp());
  expect(refund).toMatchObject({ amount: 3000, reason: 'LATE_PAYMENT' });
  const listed = await eventually(async () => {
    const ex = await stack.api('GET', '/v1/ops/exceptions', { key: OPERATOR });
    return ex.body.exceptions.find(
      (e: { kind: string; paymentId: string }) => e.kind === 'LATE_PAYMENT' && e.paymentId === p.id,
    );
  });
  expect(listed.detail).toContain('automatic refund');
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('CLOSED');
});

test('a rejected channel notification is listed for operators against its payment', async () => {
  const p = await pay('sim_never_pay');
  const forged = await fetch(`${stack.apiUrl}/v1/channels/sandbox/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      notify_id: `ops-${Date.now()}`,
      out_trade_no: p.attempts[0].channelOutTradeNo,
      sign: 'AAAA',
      sign_type: 'RSA2',
    }).toString(),
  });
  expect(forged.status).toBe(400);
  const ex = await stack.api('GET', '/v1/ops/exceptions', { key: OPERATOR });
  expect(ex.status).toBe(200);
  expect(
    ex.body.exceptions.some(
      (e: { paymentId: string; kind: string }) =>
        e.paymentId === p.id && e.kind === 'CHANNEL_NOTIFICATION_REJECTED',
    ),
  ).toBe(true);
});

test('a FAILED refund shows in the exceptions; retry sends it again with the same channel refund number', async () => {
  const p = await pay('sim_success');
  await statusOf(p.id, 'SUCCEEDED');
  // Reverse the trade at the channel behind our back: the channel then refuses the refund for good.
  await stack.channels.get('sandbox').cancel(p.attempts[0].channelOutTradeNo);
  const r = await stack.api('POST', `/v1/payments/${p.id}/refunds`, {
    body: { outRefundNo: 'R1', amount: 1000 },
  });
  expect(r.status).toBe(201);
  const failed = await eventually(async () => {
    const g = await stack.api('GET', `/v1/refunds/${r.body.id}`);
    return g.body.status === 'FAILED' ? g.body : undefined;
  }, 60_000);
  expect(failed.code).toEqual(expect.any(String));
  // In the Temporal Web UI: every payment with a FAILED refund.
  const failedRefunds = `RefundStatus = "FAILED" AND OutTradeNo = "${p.outTradeNo}"`;
  await eventually(async () =>
    (await stack.client.temporal.workflow.count(failedRefunds)).count === 1 ? true : undefined,
  );
  const ex = await stack.api('GET', '/v1/ops/exceptions', { key: OPERATOR });
  expect(
    ex.body.exceptions.some(
      (e: { kind: string; id: string }) => e.kind === 'REFUND_FAILED' && e.id === r.body.id,
    ),
  ).toBe(true);
  const before = (await stack.pool.query('SELECT out_request_no FROM refunds WHERE id = $1', [r.body.id]))
    .rows[0].out_request_no;
  const retry = await stack.api('POST', `/v1/ops/refunds/${r.body.id}/retry`, {
    key: OPERATOR,
    body: reason,
  });
  expect(retry.status).toBe(200);
  expect(retry.body.status).toBe('PROCESSING');
  const after = (await stack.pool.query('SELECT out_request_no FROM refunds WHERE id = $1', [r.body.id]))
    .rows[0].out_request_no;
  expect(after).toBe(before);
  const [entry] = await auditFor(r.body.id);
  expect(entry).toMatchObject({ action: 'refund.retry', actor: { role: 'OPERATOR' } });
});

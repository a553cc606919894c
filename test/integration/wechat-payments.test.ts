import {
  eventually,
  inMinutes,
  inSeconds,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

/** Every section-4 token on sandbox_wechat, through the API (contract section 9). */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `wechat-pay-${process.pid}` });
});
afterAll(async () => stack?.stop());

const create = (token: string | undefined, extra: Record<string, unknown> = {}) =>
  stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo(`wx-${token ?? 'qr'}`),
      amount: 1999,
      currency: 'CNY',
      subject: 'Coffee',
      orderDeadline: inMinutes(10),
      channel: 'sandbox_wechat',
      ...(token ? { method: { type: 'bank_card', brand: 'ABC_CREDIT', token } } : {}),
      ...extra,
    },
  });

async function statusOf(id: string, until: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const r = await stack.api('GET', `/v1/payments/${id}`);
    return r.body?.status === until ? r.body : undefined;
  }, timeoutMs);
}
const atChannel = (outTradeNo: string) => stack.channels.get('sandbox_wechat').query(outTradeNo);
const inbox = async (paymentId: string) =>
  (
    await stack.pool.query<{ verified: boolean; trade_status: string | null }>(
      'SELECT verified, trade_status FROM channel_notifications WHERE payment_id = $1 ORDER BY id',
      [paymentId],
    )
  ).rows;

test('sim_success: a WeChat QR code, SUCCEEDED by a verified notify, paid at the channel', async () => {
  const r = await create('sim_success');
  expect(r.status).toBe(201);
  expect(r.body.attempts[0]).toMatchObject({ channel: 'sandbox_wechat' });
  expect(r.body.nextAction).toEqual({
    type: 'qr_code',
    url: expect.stringMatching(/^weixin:\/\/wxpay\/bizpayurl/),
  });
  const paid = await statusOf(r.body.id, 'SUCCEEDED');
  expect(paid.attempts[0].status).toBe('SUCCEEDED');
  expect(await atChannel(paid.attempts[0].channelOutTradeNo)).toMatchObject({
    status: 'PAID',
    amount: 1999,
    channelTradeNo: paid.attempts[0].channelTradeNo,
  });
  const rows = await eventually(async () => ((await inbox(r.body.id)).length ? inbox(r.body.id) : undefined));
  expect(rows.every((row) => row.verified)).toBe(true);
});

test('no token behaves as sim_success', async () => {
  const r = await create(undefined);
  await statusOf(r.body.id, 'SUCCEEDED');
});

test('sim_success_no_notify: found by polling; nothing in the inbox', async () => {
  const r = await create('sim_success_no_notify');
  await statusOf(r.body.id, 'SUCCEEDED');
  expect(await inbox(r.body.id)).toHaveLength(0);
});

test('sim_success_duplicate_notify: one success; duplicates and the stale NOTPAY change nothing', async () => {
  const r = await create('sim_success_duplicate_notify');
  await statusOf(r.body.id, 'SUCCEEDED');
  const rows = await eventually(async () => {
    const all = await inbox(r.body.id);
    return all.some((row) => row.trade_status === 'WAIT_BUYER_PAY') ? all : undefined;
  });
  expect(rows.filter((row) => row.verified && row.trade_status === 'PAID').length).toBeGreaterThanOrEqual(2);
  expect((await stack.api('GET', `/v1/payments/${r.body.id}`)).body.status).toBe('SUCCEEDED');
});

test('sim_never_pay: at the deadline CLOSED (EXPIRED), and closed at the channel', async () => {
  const r = await create('sim_never_pay', { orderDeadline: inSeconds(4) });
  const closed = await statusOf(r.body.id, 'CLOSED');
  expect(closed.closeReason).toBe('EXPIRED');
  expect((await atChannel(closed.attempts[0].channelOutTradeNo)).status).toBe('CLOSED');
});

test('sim_decline_insufficient_funds: AWAITING_RETRY with NOT_ENOUGH', async () => {
  const r = await create('sim_decline_insufficient_funds');
  expect(r.body.status).toBe('AWAITING_RETRY');
  expect(r.body.attempts[0]).toMatchObject({ status: 'FAILED', code: 'NOT_ENOUGH' });
});

test('sim_decline_system_error: retryable SYSTEM_ERROR; the payment never leaves WeChat for Alipay', async () => {
  const r = await create('sim_decline_system_error');
  expect(r.body.status).toBe('AWAITING_RETRY');
  expect(r.body.attempts).toEqual([
    expect.objectContaining({ status: 'FAILED', code: 'SYSTEM_ERROR', channel: 'sandbox_wechat' }),
  ]);
  expect(await atChannel(r.body.attempts[0].channelOutTradeNo)).toEqual({ status: 'NOT_FOUND' });
});

test('sim_decline_system_error_once: pay again on sandbox_wechat succeeds', async () => {
  const r = await create('sim_decline_system_error_once');
  expect(r.body.status).toBe('AWAITING_RETRY');
  const again = await stack.api('POST', `/v1/payments/${r.body.id}/attempts`, {
    body: { channel: 'sandbox_wechat' },
  });
  expect(again.status).toBe(202);
  const paid = await statusOf(r.body.id, 'SUCCEEDED');
  expect(paid.attempts.map((a: { channel: string; status: string }) => [a.channel, a.status])).toEqual([
    ['sandbox_wechat', 'FAILED'],
    ['sandbox_wechat', 'SUCCEEDED'],
  ]);
});

test('sim_timeout_then_success: UNKNOWN at first, then SUCCEEDED by query', async () => {
  const r = await create('sim_timeout_then_success');
  expect(r.body.status).toBe('UNKNOWN');
  const paid = await statusOf(r.body.id, 'SUCCEEDED', 30_000);
  expect(paid.attempts[0].status).toBe('SUCCEEDED');
});

test('sim_pay_at_deadline: SUCCEEDED and paid, or CLOSED with the money recorded as late', async () => {
  const r = await create('sim_pay_at_deadline', { orderDeadline: inSeconds(4) });
  const final = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${r.body.id}`);
    return ['SUCCEEDED', 'CLOSED'].includes(g.body.status) ? g.body : undefined;
  }, 25_000);
  const q = await atChannel(final.attempts[0].channelOutTradeNo);
  if (final.status === 'SUCCEEDED') expect(q.status).toBe('PAID');
  else if (q.status === 'PAID') {
    await eventually(async () => {
      const l = await stack.pool.query('SELECT 1 FROM late_payments WHERE payment_id = $1', [r.body.id]);
      return l.rowCount ? true : undefined;
    });
  } else expect(q.status).toBe('CLOSED');
});

test('sim_pay_after_close: closed by the merchant, the late money is refunded in full at the channel', async () => {
  const r = await create('sim_pay_after_close');
  const c = await stack.api('POST', `/v1/payments/${r.body.id}/close`, { body: {} });
  expect(c.status).toBe(200);
  expect(c.body.status).toBe('CLOSED');
  const outTradeNo = c.body.attempts[0].channelOutTradeNo as string;
  await eventually(async () => ((await atChannel(outTradeNo)).status === 'PAID' ? true : undefined));
  // The sandbox's books: a refund of the whole 19.99 for that trade.
  const refunds = await eventually(async () => {
    const l = await stack.pool.query<{ out_request_no: string }>(
      'SELECT out_request_no FROM refunds WHERE payment_id = $1',
      [r.body.id],
    );
    const [row] = l.rows;
    if (!row) return undefined;
    const q = await stack.channels.get('sandbox_wechat').refundQuery(outTradeNo, row.out_request_no);
    return q.status === 'SUCCEEDED' ? q : undefined;
  }, 40_000);
  expect(refunds.amount).toBe(1999);
});

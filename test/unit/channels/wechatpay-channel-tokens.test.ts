import type { PayRequest, QueryResult } from '../../../src/channels/channel-port';
import { WechatPayChannel } from '../../../src/channels/wechatpay/wechatpay-channel';
import {
  WECHAT_TIMING,
  eventually,
  newWechatOutTradeNo,
  harnessAccount,
  startWechatHarness,
  type WechatHarness,
} from './support/wechat-harness';

/** The adapter against the WeChat sandbox, one section-4 token (and the WeChat-only refund tokens) each. */
let h: WechatHarness;
let ch: WechatPayChannel;

beforeAll(async () => {
  h = await startWechatHarness();
  ch = new WechatPayChannel(harnessAccount(h, 500));
});
afterAll(() => h.close());

const pay = (
  token: string | undefined,
  outTradeNo = newWechatOutTradeNo(),
  expiresInMs = 60_000,
): PayRequest => ({
  outTradeNo,
  amount: 1999,
  currency: 'CNY',
  subject: 'Coffee',
  expiresAt: new Date(Date.now() + expiresInMs),
  method: token === undefined ? undefined : { type: 'wallet', token },
});
const status = (want: QueryResult['status'], outTradeNo: string) =>
  eventually(async () => {
    const q = await ch.query(outTradeNo);
    return q.status === want ? q : null;
  });
const notifiesOf = (outTradeNo: string) =>
  h.notifies.map((n) => ch.verifyRawNotify(n)).filter((v) => v.outTradeNo === outTradeNo);

test('sim_success (and no token): a QR code, paid 0.2 s later, one notify that verifies', async () => {
  for (const token of ['sim_success', undefined]) {
    const req = pay(token);
    const r = await ch.pay(req);
    expect(r).toMatchObject({ outcome: 'PENDING', nextAction: { type: 'qr_code' } });
    const paid = await status('PAID', req.outTradeNo);
    expect(paid).toMatchObject({ amount: 1999 });
    const [notify, ...more] = await eventually(() =>
      notifiesOf(req.outTradeNo).length ? notifiesOf(req.outTradeNo) : null,
    );
    expect(more).toHaveLength(0);
    expect(notify).toMatchObject({ ok: true, tradeStatus: 'PAID', amount: 1999, outTradeNo: req.outTradeNo });
  }
});

test('sim_success_no_notify: paid, only a query shows it', async () => {
  const req = pay('sim_success_no_notify');
  await ch.pay(req);
  await status('PAID', req.outTradeNo);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(notifiesOf(req.outTradeNo)).toHaveLength(0);
});

test('sim_success_duplicate_notify: the notify several times (one id twice), then a stale NOTPAY', async () => {
  const req = pay('sim_success_duplicate_notify');
  await ch.pay(req);
  const seen = await eventually(() =>
    notifiesOf(req.outTradeNo).length >= 4 ? notifiesOf(req.outTradeNo) : null,
  );
  expect(seen.map((v) => (v.ok ? v.tradeStatus : v.reason))).toEqual([
    'PAID',
    'PAID',
    'PAID',
    'WAIT_BUYER_PAY',
  ]);
  expect(seen[0]?.notifyId).toBe(seen[1]?.notifyId);
  expect(seen[2]?.notifyId).not.toBe(seen[0]?.notifyId);
});

test('sim_never_pay: waits; close confirms; closing again is still CLOSED; cancel after close is CLOSED', async () => {
  const req = pay('sim_never_pay');
  await ch.pay(req);
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(await ch.query(req.outTradeNo)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  expect(await ch.close(req.outTradeNo)).toEqual({ outcome: 'CLOSED' });
  expect(await ch.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });
  expect(await ch.close(req.outTradeNo)).toEqual({ outcome: 'CLOSED' });
  expect(await ch.cancel(req.outTradeNo)).toEqual({ outcome: 'REVERSED', action: 'CLOSED' });
  expect(await ch.close('never-created')).toEqual({ outcome: 'NOT_FOUND' });
  expect(await ch.query('never-created')).toEqual({ status: 'NOT_FOUND' });
});

test('sim_decline_insufficient_funds: a hard decline; sim_decline_system_error: retryable, no trade', async () => {
  expect(await ch.pay(pay('sim_decline_insufficient_funds'))).toMatchObject({
    outcome: 'DECLINED',
    code: 'NOT_ENOUGH',
    retryable: false,
  });
  const req = pay('sim_decline_system_error');
  expect(await ch.pay(req)).toMatchObject({ outcome: 'DECLINED', code: 'SYSTEM_ERROR', retryable: true });
  expect(await ch.query(req.outTradeNo)).toEqual({ status: 'NOT_FOUND' });
});

test('sim_decline_system_error_once: the first attempt of a payment fails retryably, the next pays', async () => {
  const payment = newWechatOutTradeNo();
  expect(await ch.pay(pay('sim_decline_system_error_once', `${payment}-1`))).toMatchObject({
    outcome: 'DECLINED',
    retryable: true,
  });
  expect(await ch.pay(pay('sim_decline_system_error_once', `${payment}-2`))).toMatchObject({
    outcome: 'PENDING',
  });
  await status('PAID', `${payment}-2`);
});

test('sim_timeout_then_success: UNKNOWN (timeout), yet the trade is paid at the channel', async () => {
  const req = pay('sim_timeout_then_success');
  expect(await ch.pay(req)).toMatchObject({ outcome: 'UNKNOWN', code: 'TIMEOUT' });
  await status('PAID', req.outTradeNo);
});

test('sim_pay_at_deadline: paid at the deadline or closed by it, never both; time_expire is enforced', async () => {
  const req = pay('sim_pay_at_deadline', newWechatOutTradeNo(), 1500);
  await ch.pay(req);
  const end = await eventually(async () => {
    const q = await ch.query(req.outTradeNo);
    return q.status === 'PAID' || q.status === 'CLOSED' ? q : null;
  }, 4000);
  const close = await ch.close(req.outTradeNo);
  expect(close.outcome).toBe(end.status === 'PAID' ? 'ALREADY_PAID' : 'CLOSED');
});

test('sim_pay_after_close: the close is confirmed, then the money arrives', async () => {
  const req = pay('sim_pay_after_close');
  await ch.pay(req);
  expect(await ch.close(req.outTradeNo)).toEqual({ outcome: 'CLOSED' });
  await status('PAID', req.outTradeNo);
});

test('sim_refund_fail_once: the first refund fails retryably (no refund exists), the same number then refunds', async () => {
  const req = pay('sim_refund_fail_once');
  await ch.pay(req);
  await status('PAID', req.outTradeNo);
  const refund = {
    outTradeNo: req.outTradeNo,
    outRequestNo: `${req.outTradeNo}-r`,
    amount: 700,
    currency: 'CNY',
  };
  expect(await ch.refund(refund)).toMatchObject({ outcome: 'FAILED', code: 'SYSTEM_ERROR', retryable: true });
  expect(await ch.refund(refund)).toEqual({ outcome: 'PROCESSING' });
  const done = await eventually(async () => {
    const q = await ch.refundQuery(refund.outTradeNo, refund.outRequestNo);
    return q.status === 'SUCCEEDED' ? q : null;
  });
  expect(done).toMatchObject({ amount: 700 });
  // Re-entrant: the same number again answers the same refund, and nothing more is refundable than the rest.
  expect(await ch.refund(refund)).toMatchObject({ outcome: 'SUCCEEDED' });
  expect(await ch.refund({ ...refund, outRequestNo: `${req.outTradeNo}-r2`, amount: 1300 })).toMatchObject({
    outcome: 'FAILED',
    code: 'NOT_ENOUGH',
  });
  expect(await ch.refund({ ...refund, outRequestNo: `${req.outTradeNo}-r3`, amount: 1299 })).toEqual({
    outcome: 'PROCESSING',
  });
});

test('sim_refund_closed ends the refund CLOSED (final); sim_refund_abnormal leaves it ABNORMAL', async () => {
  const closed = pay('sim_refund_closed');
  const abnormal = pay('sim_refund_abnormal');
  await Promise.all([ch.pay(closed), ch.pay(abnormal)]);
  await Promise.all([status('PAID', closed.outTradeNo), status('PAID', abnormal.outTradeNo)]);
  const r1 = {
    outTradeNo: closed.outTradeNo,
    outRequestNo: `${closed.outTradeNo}-r`,
    amount: 100,
    currency: 'CNY',
  };
  expect(await ch.refund(r1)).toMatchObject({ outcome: 'FAILED', code: 'REFUND_CLOSED', retryable: false });
  expect(await ch.refundQuery(r1.outTradeNo, r1.outRequestNo)).toMatchObject({
    status: 'UNKNOWN',
    code: 'REFUND_CLOSED',
  });
  const r2 = {
    outTradeNo: abnormal.outTradeNo,
    outRequestNo: `${abnormal.outTradeNo}-r`,
    amount: 100,
    currency: 'CNY',
  };
  expect(await ch.refund(r2)).toEqual({ outcome: 'PROCESSING' });
  await eventually(async () => {
    const q = await ch.refundQuery(r2.outTradeNo, r2.outRequestNo);
    return q.status === 'UNKNOWN' && q.code === 'REFUND_ABNORMAL' ? q : null;
  });
  expect(await ch.refundQuery(r2.outTradeNo, 'no-such-refund')).toEqual({ status: 'NOT_FOUND' });
});

test('cancel of a paid trade refunds it in full under one number', async () => {
  const req = pay('sim_success');
  await ch.pay(req);
  await status('PAID', req.outTradeNo);
  expect(await ch.cancel(req.outTradeNo)).toMatchObject({ outcome: 'UNKNOWN', code: 'REFUND_PROCESSING' });
  await new Promise((resolve) => setTimeout(resolve, WECHAT_TIMING.payDelayMs * 3));
  expect(await ch.cancel(req.outTradeNo)).toEqual({ outcome: 'REVERSED', action: 'REFUNDED' });
  expect(await ch.refundQuery(req.outTradeNo, `${req.outTradeNo}-cancel`)).toMatchObject({
    status: 'SUCCEEDED',
    amount: 1999,
  });
});

test('amounts are integer fen; another currency is refused before any call', async () => {
  expect(await ch.pay({ ...pay('sim_success'), currency: 'USD' })).toMatchObject({
    outcome: 'DECLINED',
    retryable: false,
  });
  expect(await ch.pay({ ...pay('sim_success'), amount: 1.5 })).toMatchObject({
    outcome: 'DECLINED',
    code: 'INVALID_AMOUNT',
  });
});

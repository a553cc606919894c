import type { ChannelPort } from '../../../src/channels/channel-port';
import {
  TEST_TIMING,
  eventually,
  newOutTradeNo,
  paidByQuery,
  payRequest,
  sleep,
  startSandboxHarness,
  type SandboxHarness,
} from './support/sandbox-harness';

/** Every buyer token of contract section 4, through our AlipayChannel (the SDK) into the sandbox. */
let h: SandboxHarness;
let sandbox: ChannelPort;
let backup: ChannelPort;

beforeAll(async () => {
  h = await startSandboxHarness();
  sandbox = h.channels.get('sandbox');
  backup = h.channels.get('sandbox_backup');
});
afterAll(() => h.close());

function notifiesOf(outTradeNo: string) {
  return h.notifies.filter((n) => n.fields.out_trade_no === outTradeNo);
}

test('sim_success: pending, then paid with one signed notify that verifies', async () => {
  const req = payRequest('sim_success');
  const pay = await sandbox.pay(req);
  expect(pay).toMatchObject({ outcome: 'PENDING', nextAction: null });
  expect(pay.outcome === 'PENDING' && pay.channelTradeNo).toMatch(/^\d{28}$/);
  const notify = await eventually(() => notifiesOf(req.outTradeNo)[0]);
  const verified = sandbox.verifyNotify(notify.fields);
  expect(verified).toMatchObject({ ok: true, outTradeNo: req.outTradeNo, tradeStatus: 'PAID', amount: 1999 });
  expect(verified.ok && verified.paidAt).toBeInstanceOf(Date);
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'PAID', amount: 1999 });
  await sleep(150);
  expect(notifiesOf(req.outTradeNo)).toHaveLength(1);
});

test('no token: a QR code (precreate), and the buyer pays like sim_success', async () => {
  const req = payRequest(undefined);
  const pay = await sandbox.pay(req);
  expect(pay).toMatchObject({ outcome: 'PENDING', nextAction: { type: 'qr_code' } });
  expect(pay.outcome === 'PENDING' && pay.nextAction?.url).toContain(`${h.sandbox.url}/qr/`);
  await paidByQuery(sandbox, req.outTradeNo);
  await eventually(() => notifiesOf(req.outTradeNo)[0]);
});

test('sim_success_no_notify: paid, visible only by query', async () => {
  const req = payRequest('sim_success_no_notify');
  expect((await sandbox.pay(req)).outcome).toBe('PENDING');
  await paidByQuery(sandbox, req.outTradeNo);
  await sleep(200);
  expect(notifiesOf(req.outTradeNo)).toHaveLength(0);
});

test('sim_success_duplicate_notify: the success several times, then a stale WAIT_BUYER_PAY', async () => {
  const req = payRequest('sim_success_duplicate_notify');
  await sandbox.pay(req);
  const all = await eventually(() =>
    notifiesOf(req.outTradeNo).length >= 4 ? notifiesOf(req.outTradeNo) : undefined,
  );
  const verified = all.map((n) => sandbox.verifyNotify(n.fields));
  expect(verified.map((v) => v.ok && v.tradeStatus)).toEqual(['PAID', 'PAID', 'PAID', 'WAIT_BUYER_PAY']);
  const ids = new Set(all.slice(0, 3).map((n) => n.fields.notify_id));
  expect(ids.size).toBe(2);
  // Stale: it claims a time no later than the success and carries no payment.
  expect(String(all[3]?.fields.notify_time) <= String(all[0]?.fields.notify_time)).toBe(true);
  expect(all[3]?.fields.gmt_payment).toBeUndefined();
});

test('sim_never_pay: waits until closed; the close is notified', async () => {
  const req = payRequest('sim_never_pay');
  expect((await sandbox.pay(req)).outcome).toBe('PENDING');
  await sleep(200);
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  expect(await sandbox.close(req.outTradeNo)).toEqual({ outcome: 'CLOSED' });
  expect(await sandbox.close(req.outTradeNo)).toEqual({ outcome: 'CLOSED' });
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });
  const notify = await eventually(() => notifiesOf(req.outTradeNo)[0]);
  expect(sandbox.verifyNotify(notify.fields)).toMatchObject({
    ok: true,
    tradeStatus: 'CLOSED',
    amount: 1999,
  });
});

test('sim_decline_insufficient_funds: declined for good, no trade left behind', async () => {
  const req = payRequest('sim_decline_insufficient_funds');
  expect(await sandbox.pay(req)).toMatchObject({
    outcome: 'DECLINED',
    code: 'BUYER_BALANCE_NOT_ENOUGH',
    retryable: false,
  });
  expect(await sandbox.query(req.outTradeNo)).toEqual({ status: 'NOT_FOUND' });
});

test('sim_decline_system_error: every attempt, on every account, a retryable decline', async () => {
  const payment = `pay_syserr${Date.now()}`;
  for (const [channel, attemptNo] of [
    [sandbox, 1],
    [sandbox, 2],
    [backup, 3],
  ] as const) {
    expect(
      await channel.pay(
        payRequest('sim_decline_system_error', { outTradeNo: newOutTradeNo(attemptNo, payment) }),
      ),
    ).toMatchObject({
      outcome: 'DECLINED',
      code: 'SYSTEM_ERROR',
      retryable: true,
    });
  }
});

test('sim_decline_system_error_once: the first attempt declines, the next (other account) pays', async () => {
  const payment = `pay_once${Date.now()}`;
  const first = await sandbox.pay(
    payRequest('sim_decline_system_error_once', { outTradeNo: newOutTradeNo(1, payment) }),
  );
  expect(first).toMatchObject({ outcome: 'DECLINED', code: 'SYSTEM_ERROR', retryable: true });
  const second = payRequest('sim_decline_system_error_once', { outTradeNo: newOutTradeNo(2, payment) });
  expect(await backup.pay(second)).toMatchObject({ outcome: 'PENDING' });
  await paidByQuery(backup, second.outTradeNo);
});

test('sim_timeout_then_success: the pay call times out (UNKNOWN) yet the trade succeeds', async () => {
  const req = payRequest('sim_timeout_then_success');
  const started = Date.now();
  expect(await sandbox.pay(req)).toMatchObject({ outcome: 'UNKNOWN', code: 'TIMEOUT' });
  expect(Date.now() - started).toBeLessThan(TEST_TIMING.timeoutDelayMs);
  expect(await paidByQuery(sandbox, req.outTradeNo)).toMatchObject({ amount: 1999 });
});

test('sim_refund_fail_once: the first refund fails retryably, the same refund again succeeds once', async () => {
  const req = payRequest('sim_refund_fail_once');
  await sandbox.pay(req);
  await paidByQuery(sandbox, req.outTradeNo);
  const refund = { outTradeNo: req.outTradeNo, outRequestNo: 'ref_1', amount: 500, currency: 'CNY' };
  expect(await sandbox.refundQuery(req.outTradeNo, 'ref_1')).toEqual({ status: 'NOT_FOUND' });
  expect(await sandbox.refund(refund)).toMatchObject({
    outcome: 'FAILED',
    code: 'SYSTEM_ERROR',
    retryable: true,
  });
  const retried = await sandbox.refund(refund);
  expect(retried.outcome === 'SUCCEEDED' && retried.refundedAt).toBeInstanceOf(Date);
  expect(await sandbox.refundQuery(req.outTradeNo, 'ref_1')).toMatchObject({
    status: 'SUCCEEDED',
    amount: 500,
  });
});

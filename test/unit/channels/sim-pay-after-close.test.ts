import { beijingDay } from '../../../src/channels/beijing-time';
import type { ChannelPort } from '../../../src/channels/channel-port';
import {
  TEST_TIMING,
  eventually,
  paidByQuery,
  payRequest,
  sleep,
  startSandboxHarness,
  wholeSecondAhead,
  type SandboxHarness,
} from './support/sandbox-harness';
import { collect } from './support/bill-zip';

/** sim_pay_after_close: the close is confirmed, then the buyer's money arrives anyway (a delayed debit). */
let h: SandboxHarness;
let sandbox: ChannelPort;

beforeAll(async () => {
  h = await startSandboxHarness();
  sandbox = h.channels.get('sandbox');
});
afterAll(() => h.close());

function statusesNotified(outTradeNo: string): (string | false)[] {
  return h.notifies
    .filter((n) => n.fields.out_trade_no === outTradeNo)
    .map((n) => {
      const verified = sandbox.verifyNotify(n.fields);
      return verified.ok && verified.tradeStatus;
    });
}

test('a confirmed close, then the money arrives: paid, notified (with retries), refundable, billed', async () => {
  const req = payRequest('sim_pay_after_close');
  let refusals = 1;
  // The service is down for the first success notify: the usual retry schedule brings it again.
  h.answerNotify = (n) =>
    n.fields.out_trade_no === req.outTradeNo && n.fields.trade_status === 'TRADE_SUCCESS' && refusals-- > 0
      ? 'fail'
      : 'success';
  expect((await sandbox.pay(req)).outcome).toBe('PENDING');
  await sleep(TEST_TIMING.payDelayMs * 3);
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'WAIT_BUYER_PAY' });

  expect(await sandbox.close(req.outTradeNo)).toEqual({ outcome: 'CLOSED' });
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });

  const paid = await paidByQuery(sandbox, req.outTradeNo);
  expect(paid).toMatchObject({ status: 'PAID', amount: 1999 });
  expect(paid.paidAt).toBeInstanceOf(Date);
  expect(await eventually(() => (statusesNotified(req.outTradeNo).length >= 3 ? true : undefined))).toBe(
    true,
  );
  expect(statusesNotified(req.outTradeNo)).toEqual(['CLOSED', 'PAID', 'PAID']);
  // A close now finds the money there.
  expect(await sandbox.close(req.outTradeNo)).toMatchObject({ outcome: 'ALREADY_PAID' });

  const refund = { outTradeNo: req.outTradeNo, outRequestNo: 'late_1', amount: 1999, currency: 'CNY' };
  expect(await sandbox.refund(refund)).toMatchObject({ outcome: 'SUCCEEDED' });
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });

  const bill = await collect(sandbox.billRows(beijingDay(new Date())));
  const rows = bill.filter((row) => row.outTradeNo === req.outTradeNo);
  expect(rows.map((row) => [row.kind, row.outRefundNo, row.amount])).toEqual([
    ['PAYMENT', null, 1999],
    ['REFUND', 'late_1', 1999],
  ]);
  h.answerNotify = () => 'success';
});

test('closed by time_expire, then paid after it; paid only once', async () => {
  const expiresAt = wholeSecondAhead(400);
  const req = payRequest('sim_pay_after_close', { expiresAt });
  expect((await sandbox.pay(req)).outcome).toBe('PENDING');
  await sleep(expiresAt.getTime() - Date.now() + 50);
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });
  const paid = await paidByQuery(sandbox, req.outTradeNo);
  expect(paid.paidAt?.getTime()).toBeGreaterThanOrEqual(expiresAt.getTime());
  await sleep(TEST_TIMING.latePayDelayMs * 2);
  expect(statusesNotified(req.outTradeNo)).toEqual(['CLOSED', 'PAID']);
});

test('without a close the buyer never pays', async () => {
  const req = payRequest('sim_pay_after_close');
  await sandbox.pay(req);
  await sleep(TEST_TIMING.latePayDelayMs * 2);
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  expect(statusesNotified(req.outTradeNo)).toEqual([]);
});

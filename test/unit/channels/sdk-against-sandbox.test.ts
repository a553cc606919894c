import { beijingDay, formatBeijingTime } from '../../../src/channels/beijing-time';
import { newOutTradeNo, startSandboxHarness, type SandboxHarness } from './support/sandbox-harness';
import { sandboxSdk } from './support/sandbox-sdk';

/** Alipay's own Node SDK, pointed at the sandbox, with response signature verification on: trade calls. */
let h: SandboxHarness;
let exec: ReturnType<typeof sandboxSdk>['exec'];
let payAndWait: ReturnType<typeof sandboxSdk>['payAndWait'];

beforeAll(async () => {
  h = await startSandboxHarness();
  ({ exec, payAndWait } = sandboxSdk(h));
});
afterAll(() => h.close());

test('pay, query, refund twice with one out_request_no, refund query', async () => {
  const outTradeNo = newOutTradeNo();
  const query = await payAndWait(outTradeNo);
  expect(query).toMatchObject({ code: '10000', total_amount: '19.99' });
  expect(query.trade_no).toMatch(/^\d{28}$/);
  expect(query.send_pay_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

  const refund = { out_trade_no: outTradeNo, out_request_no: 'r1', refund_amount: '5.00' };
  expect(await exec('alipay.trade.refund', refund)).toMatchObject({
    code: '10000',
    fund_change: 'Y',
    refund_fee: '5.00',
  });
  expect(await exec('alipay.trade.refund', refund)).toMatchObject({
    code: '10000',
    fund_change: 'N',
    refund_fee: '5.00',
  });
  const tooMuch = { out_trade_no: outTradeNo, out_request_no: 'r2', refund_amount: '15.00' };
  expect(await exec('alipay.trade.refund', tooMuch)).toMatchObject({
    code: '40004',
    sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
  });
  const found = await exec('alipay.trade.fastpay.refund.query', {
    out_trade_no: outTradeNo,
    out_request_no: 'r1',
  });
  expect(found).toMatchObject({ code: '10000', refund_amount: '5.00', refund_status: 'REFUND_SUCCESS' });
  const none = await exec('alipay.trade.fastpay.refund.query', {
    out_trade_no: outTradeNo,
    out_request_no: 'r9',
  });
  expect(none).toMatchObject({ code: '10000' });
  expect(none.refund_amount).toBeUndefined();
});

test('precreate gives a QR code; close wins before the buyer; query shows it closed', async () => {
  const outTradeNo = newOutTradeNo();
  const created = await exec('alipay.trade.precreate', {
    out_trade_no: outTradeNo,
    subject: 'Tea',
    total_amount: '3.50',
  });
  expect(created.code).toBe('10000');
  expect(created.qr_code).toContain(h.sandbox.url);
  expect(await exec('alipay.trade.close', { out_trade_no: outTradeNo })).toMatchObject({ code: '10000' });
  expect(await exec('alipay.trade.query', { out_trade_no: outTradeNo })).toMatchObject({
    trade_status: 'TRADE_CLOSED',
  });
  expect(await exec('alipay.trade.close', { out_trade_no: outTradeNo })).toMatchObject({
    code: '40004',
    sub_code: 'ACQ.TRADE_STATUS_ERROR',
  });
  expect(await exec('alipay.trade.query', { out_trade_no: 'never-1' })).toMatchObject({
    code: '40004',
    sub_code: 'ACQ.TRADE_NOT_EXIST',
  });
});

test('cancel closes an unpaid trade and refunds a paid one', async () => {
  const unpaid = newOutTradeNo();
  await exec('alipay.trade.pay', {
    out_trade_no: unpaid,
    scene: 'bar_code',
    auth_code: 'sim_never_pay',
    subject: 'x',
    total_amount: '1.00',
  });
  expect(await exec('alipay.trade.cancel', { out_trade_no: unpaid })).toMatchObject({
    code: '10000',
    action: 'close',
    retry_flag: 'N',
  });

  const paid = newOutTradeNo();
  await payAndWait(paid, '2.00');
  expect(await exec('alipay.trade.cancel', { out_trade_no: paid })).toMatchObject({
    code: '10000',
    action: 'refund',
  });
  expect(await exec('alipay.trade.query', { out_trade_no: paid })).toMatchObject({
    trade_status: 'TRADE_CLOSED',
  });
});

test('the bill download URL serves the day as CSV with trades and refunds', async () => {
  const outTradeNo = newOutTradeNo();
  const query = await payAndWait(outTradeNo, '8.80');
  await exec('alipay.trade.refund', {
    out_trade_no: outTradeNo,
    out_request_no: 'b1',
    refund_amount: '0.80',
  });
  const answer = await exec('alipay.data.dataservice.bill.downloadurl.query', {
    bill_type: 'trade',
    bill_date: beijingDay(new Date()),
  });
  expect(answer.code).toBe('10000');
  const csv = await (await fetch(String(answer.bill_download_url))).text();
  const lines = csv.split('\r\n').filter((line) => line.includes(String(query.trade_no)));
  expect(lines).toEqual([
    expect.stringContaining(`${outTradeNo},交易,Coffee`),
    expect.stringContaining(`,8.80,-0.80,b1,`),
  ]);

  // The same file on the sandbox's own route (but for the moment it was exported).
  const sim = await fetch(`${h.sandbox.url}/sim/bills/sandbox/${beijingDay(new Date())}`);
  expect(sim.status).toBe(200);
  const withoutExportTime = (text: string) => text.replace(/#导出时间：.*/, '');
  expect(withoutExportTime(await sim.text())).toBe(withoutExportTime(csv));
  expect((await fetch(`${h.sandbox.url}/sim/bills/nobody/2026-01-01`)).status).toBe(404);
  expect((await fetch(`${h.sandbox.url}/sim/bills/sandbox/2026-02-30`)).status).toBe(400);
});

test('a pay whose time_expire has passed is refused and creates no trade', async () => {
  const outTradeNo = newOutTradeNo();
  const answer = await exec('alipay.trade.pay', {
    out_trade_no: outTradeNo,
    scene: 'bar_code',
    auth_code: 'sim_success',
    subject: 'late',
    total_amount: '1.00',
    time_expire: formatBeijingTime(new Date(Date.now() - 60_000)),
  });
  expect(answer).toMatchObject({ code: '40004', sub_code: 'ACQ.INVALID_PARAMETER' });
  expect(await exec('alipay.trade.query', { out_trade_no: outTradeNo })).toMatchObject({
    sub_code: 'ACQ.TRADE_NOT_EXIST',
  });
});

import { beijingDay, formatBeijingTime } from '../../../src/channels/beijing-time';
import { readAlipayBillZip } from '../../../src/channels/alipay/alipay-bill-zip';
import { DETAIL_COLUMNS } from '../../../src/channels/sandbox/bill-columns';
import { toDecimalString } from '../../../src/domain/money';
import { collect, unzipGbk } from './support/bill-zip';
import {
  eventually,
  newOutTradeNo,
  startSandboxHarness,
  type SandboxHarness,
} from './support/sandbox-harness';
import { sandboxSdk } from './support/sandbox-sdk';

/** Alipay's own Node SDK, pointed at the sandbox, with response signature verification on: trade calls. */
let h: SandboxHarness;
let exec: ReturnType<typeof sandboxSdk>['exec'];
let payAndWait: ReturnType<typeof sandboxSdk>['payAndWait'];

const barCode = (outTradeNo: string, token: string, amount: string) => ({
  out_trade_no: outTradeNo,
  scene: 'bar_code',
  auth_code: token,
  subject: 'Coffee',
  total_amount: amount,
});

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

test("the bill: a zip of GBK CSVs in Alipay's layout, with payments, refunds, late money and orphans", async () => {
  const outTradeNo = newOutTradeNo();
  await exec('alipay.trade.pay', { ...barCode(outTradeNo, 'sim_success', '8.80'), subject: '拿铁, 大杯' });
  const query = await eventually(async () => {
    const q = await exec('alipay.trade.query', { out_trade_no: outTradeNo });
    return q.trade_status === 'TRADE_SUCCESS' ? q : undefined;
  });
  await exec('alipay.trade.refund', {
    out_trade_no: outTradeNo,
    out_request_no: 'b1',
    refund_amount: '0.80',
  });
  const late = newOutTradeNo();
  await exec('alipay.trade.pay', barCode(late, 'sim_pay_after_close', '3.00'));
  expect(await exec('alipay.trade.close', { out_trade_no: late })).toMatchObject({ code: '10000' });
  await eventually(async () => {
    const q = await exec('alipay.trade.query', { out_trade_no: late });
    return q.trade_status === 'TRADE_SUCCESS' ? true : undefined;
  });
  const orphan = (await (
    await fetch(`${h.sandbox.url}/sim/orphan-trades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'sandbox', amount: 4321 }),
    })
  ).json()) as { outTradeNo: string; tradeNo: string };

  const day = beijingDay(new Date());
  const answer = await exec('alipay.data.dataservice.bill.downloadurl.query', {
    bill_type: 'trade',
    bill_date: day,
  });
  expect(answer.code).toBe('10000');
  const response = await fetch(String(answer.bill_download_url));
  expect(response.headers.get('content-type')).toBe('application/zip');
  const zip = Buffer.from(await response.arrayBuffer());
  const files = await unzipGbk(zip);
  const base = `2088000000000001_${day.replaceAll('-', '')}_业务明细`;
  expect([...files.keys()]).toEqual([`${base}.csv`, `${base}(汇总).csv`]);
  const lines = (files.get(`${base}.csv`) ?? '').split('\r\n');
  const [y, m, d] = day.split('-');
  expect(lines.slice(0, 5)).toEqual([
    '#支付宝业务明细查询',
    '#账号：[2088000000000001]',
    expect.stringMatching(
      new RegExp(
        `^#起始日期：\\[${y}年${m}月${d}日 00:00:00\\]   终止日期：\\[\\d{4}年\\d{2}月\\d{2}日 00:00:00\\]$`,
      ),
    ),
    '#-----------------------------------------业务明细列表----------------------------------------',
    DETAIL_COLUMNS.join(','),
  ]);
  const created = String(query.send_pay_date).slice(0, 10);
  const ours = lines.filter((line) => line.startsWith(`${String(query.trade_no)}\t,`));
  expect(ours).toEqual([
    expect.stringMatching(
      new RegExp(
        `^\\d{28}\\t,${outTradeNo}\\t,交易,"拿铁, 大杯",${created} [\\d:]{8},${created} [\\d:]{8},,,,,sbx\\*\\*\\*@sandbox\\.local,` +
          '8\\.80,8\\.80,0\\.00,0\\.00,0\\.00,0\\.00,0\\.00,,0\\.00,0\\.00,,0\\.00,0\\.00,$',
      ),
    ),
    expect.stringMatching(
      /,退款,"拿铁, 大杯",.*,8\.80,-0\.80,0\.00,0\.00,0\.00,0\.00,0\.00,,0\.00,0\.00,b1\t,0\.00,0\.00,$/,
    ),
  ]);
  expect(lines.at(-1)).toBe('');
  expect(lines.at(-5)).toBe(
    '#-----------------------------------------业务明细列表结束------------------------------------',
  );
  expect(lines.at(-2)).toMatch(/^#导出时间：\[\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}\]$/);

  // What the adapter reads from the same file, and the trailer's totals agree with its rows.
  const rows = await collect(readAlipayBillZip(zip));
  expect(rows.filter((row) => [outTradeNo, late, orphan.outTradeNo].includes(row.outTradeNo))).toEqual([
    expect.objectContaining({ kind: 'PAYMENT', outTradeNo, amount: 880, outRefundNo: null }),
    expect.objectContaining({ kind: 'REFUND', outTradeNo, amount: 80, outRefundNo: 'b1' }),
    expect.objectContaining({ kind: 'PAYMENT', outTradeNo: late, amount: 300 }),
    expect.objectContaining({
      kind: 'PAYMENT',
      outTradeNo: orphan.outTradeNo,
      channelTradeNo: orphan.tradeNo,
    }),
  ]);
  const total = (kind: string) => rows.filter((r) => r.kind === kind).reduce((sum, r) => sum + r.amount, 0);
  const count = (kind: string) => rows.filter((r) => r.kind === kind).length;
  expect(lines.at(-4)).toBe(
    `#交易合计：${count('PAYMENT')}笔，商家实收共${toDecimalString(total('PAYMENT'), 'CNY')}元，商家优惠共0.00元，支付宝优惠共0.00元，服务费共0.00元`,
  );
  expect(lines.at(-3)).toMatch(
    new RegExp(`^#退款合计：${count('REFUND')}笔，商家实收共-${toDecimalString(total('REFUND'), 'CNY')}元，`),
  );
  const summary = files.get(`${base}(汇总).csv`) ?? '';
  expect(summary).toContain(`合计,,${count('PAYMENT')},${count('REFUND')},`);

  // The same file on the sandbox's own route (but for the moment it was exported).
  const sim = await fetch(`${h.sandbox.url}/sim/bills/sandbox/${day}`);
  expect(sim.status).toBe(200);
  const withoutExportTime = (text: string) => text.replace(/#导出时间：.*/g, '');
  const simFiles = await unzipGbk(Buffer.from(await sim.arrayBuffer()));
  expect([...simFiles].map(([name, text]) => [name, withoutExportTime(text)])).toEqual(
    [...files].map(([name, text]) => [name, withoutExportTime(text)]),
  );
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

import { gunzipSync } from 'node:zlib';
import { beijingDay } from '../../../src/channels/beijing-time';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import {
  sandboxAccountConfigs,
  sandboxWechatAccountConfig,
} from '../../../src/channels/sandbox/sandbox-accounts';
import { WechatPayChannel } from '../../../src/channels/wechatpay/wechatpay-channel';
import { WechatPayClient } from '../../../src/channels/wechatpay/wechatpay-client';
import { previousBeijingDay } from '../../../src/domain/reconciliation';
import { collect } from './support/bill-zip';
import {
  eventually,
  newWechatOutTradeNo,
  harnessAccount,
  startWechatHarness,
  type WechatHarness,
} from './support/wechat-harness';

/**
 * The WeChat sandbox's bill as the adapter reads it: `POST /sim/orphan-trades` on the sandbox's own port
 * for `sandbox_wechat` (contract sections 4 and 9), and refunds that moved no money.
 */
let h: WechatHarness;
let ch: WechatPayChannel;

beforeAll(async () => {
  h = await startWechatHarness();
  ch = new WechatPayChannel(harnessAccount(h, 2000));
});
afterAll(() => h.close());

const orphan = (body: unknown) =>
  fetch(`${h.sandbox.url}/sim/orphan-trades`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test("an orphan for sandbox_wechat is a paid trade in WeChat's book and bill only, with no notify", async () => {
  const response = await orphan({ channel: 'sandbox_wechat', amount: 777 });
  expect(response.status).toBe(201);
  const trade = (await response.json()) as { channel: string; outTradeNo: string; tradeNo: string };
  expect(trade).toMatchObject({ channel: 'sandbox_wechat', amount: 777, currency: 'CNY' });

  expect(await ch.query(trade.outTradeNo)).toMatchObject({
    status: 'PAID',
    amount: 777,
    channelTradeNo: trade.tradeNo,
  });
  const today = beijingDay(new Date());
  expect((await collect(ch.billRows(today))).filter((r) => r.outTradeNo === trade.outTradeNo)).toEqual([
    expect.objectContaining({ kind: 'PAYMENT', channelTradeNo: trade.tradeNo, amount: 777 }),
  ]);
  // Not in the Alipay-style accounts' books.
  const alipayStyle = createChannelRegistry(
    sandboxAccountConfigs({ sandboxUrl: h.sandbox.url, notifyBaseUrl: h.receiverUrl, dataDir: h.dataDir }),
  );
  for (const name of ['sandbox', 'sandbox_backup']) {
    expect(await alipayStyle.get(name).query(trade.outTradeNo)).toEqual({ status: 'NOT_FOUND' });
  }
  expect(h.notifies).toHaveLength(0);
});

test('refunds that ended CLOSED or ABNORMAL are in the raw bill (REFUNDCLOSE, CHANGE) and are no BillRow', async () => {
  const trades = ['sim_refund_closed', 'sim_refund_abnormal', 'sim_success'].map((token) => ({
    token,
    outTradeNo: newWechatOutTradeNo(),
  }));
  for (const { token, outTradeNo } of trades) {
    expect(
      await ch.pay({
        outTradeNo,
        amount: 1999,
        currency: 'CNY',
        subject: 'Tea, green',
        expiresAt: new Date(Date.now() + 60_000),
        method: { type: 'wallet', token },
      }),
    ).toMatchObject({ outcome: 'PENDING' });
  }
  for (const { outTradeNo } of trades) {
    await eventually(async () => ((await ch.query(outTradeNo)).status === 'PAID' ? true : null));
    await ch.refund({ outTradeNo, outRequestNo: `${outTradeNo}-r`, amount: 300, currency: 'CNY' });
  }
  const [closed, abnormal, success] = trades.map((t) => t.outTradeNo) as [string, string, string];
  await eventually(async () => {
    const q = await ch.refundQuery(abnormal, `${abnormal}-r`);
    return q.status === 'UNKNOWN' && q.code === 'REFUND_ABNORMAL' ? q : null;
  });
  await eventually(async () =>
    (await ch.refundQuery(success, `${success}-r`)).status === 'SUCCEEDED' ? true : null,
  );

  const today = beijingDay(new Date());
  const raw = gunzipSync(
    Buffer.from(await (await fetch(`${h.sandbox.wechat.url}/sim/bills/${today}`)).arrayBuffer()),
  );
  const refundStateOf = (outTradeNo: string) =>
    raw
      .toString('utf8')
      .split('\r\n')
      .filter((line) => line.includes(`\`${outTradeNo},`) && line.includes('`REFUND,'))
      .map((line) => line.split(',')[19]);
  expect(refundStateOf(closed)).toEqual(['`REFUNDCLOSE']);
  expect(refundStateOf(abnormal)).toEqual(['`CHANGE']);
  expect(refundStateOf(success)).toEqual(['`SUCCESS']);

  const rows = await collect(ch.billRows(today));
  const ofTrade = (no: string) => rows.filter((r) => r.outTradeNo === no).map((r) => [r.kind, r.amount]);
  expect(ofTrade(closed)).toEqual([['PAYMENT', 1999]]);
  expect(ofTrade(abnormal)).toEqual([['PAYMENT', 1999]]);
  expect(ofTrade(success)).toEqual([
    ['PAYMENT', 1999],
    ['REFUND', 300],
  ]);
});

test('a past day without a trade has no bill at WeChat (NO_STATEMENT_EXIST): the adapter reads it as empty', async () => {
  const config = sandboxWechatAccountConfig({
    wechatUrl: h.sandbox.wechat.url,
    notifyBaseUrl: h.receiverUrl,
    dataDir: h.dataDir,
  });
  const yesterday = previousBeijingDay(new Date());
  const answer = await new WechatPayClient(config).call('GET', '/v3/bill/tradebill', {
    params: { bill_date: yesterday, bill_type: 'ALL', tar_type: 'GZIP' },
  });
  expect(answer).toMatchObject({ answered: true, status: 400, body: { code: 'NO_STATEMENT_EXIST' } });
  expect(await collect(ch.billRows(yesterday))).toEqual([]);
  // A day to come has no bill yet: that is no empty bill.
  await expect(collect(ch.billRows('2999-01-01'))).rejects.toThrow(/NO_STATEMENT_EXIST/);
});

test("GET /sim/bills/sandbox_wechat/{day} on the sandbox's own port serves the WeChat gzip; other accounts keep theirs", async () => {
  const today = beijingDay(new Date());
  const onMainPort = await fetch(`${h.sandbox.url}/sim/bills/sandbox_wechat/${today}`);
  expect(onMainPort.status).toBe(200);
  expect(onMainPort.headers.get('content-type')).toMatch(/^application\/gzip/);
  const onWechatPort = await fetch(`${h.sandbox.wechat.url}/sim/bills/${today}`);
  const text = (r: ArrayBuffer) => gunzipSync(Buffer.from(r)).toString('utf8');
  const main = text(await onMainPort.arrayBuffer());
  expect(main).toBe(text(await onWechatPort.arrayBuffer()));
  expect(main.startsWith('\uFEFF交易时间,公众账号ID,商户号,')).toBe(true);
  const alipay = await fetch(`${h.sandbox.url}/sim/bills/sandbox/${today}`);
  expect(alipay.headers.get('content-type')).toMatch(/^application\/zip/);
  expect((await fetch(`${h.sandbox.url}/sim/bills/sandbox_wechat/20240101`)).status).toBe(400);
});

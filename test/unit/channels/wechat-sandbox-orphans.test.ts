import { beijingDay } from '../../../src/channels/beijing-time';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import {
  sandboxAccountConfigs,
  sandboxWechatAccountConfig,
} from '../../../src/channels/sandbox/sandbox-accounts';
import { WechatPayChannel } from '../../../src/channels/wechatpay/wechatpay-channel';
import { collect } from './support/bill-zip';
import { startWechatHarness, type WechatHarness } from './support/wechat-harness';

/** `POST /sim/orphan-trades` on the sandbox's own port, for `sandbox_wechat` (contract sections 4 and 9). */
let h: WechatHarness;
let ch: WechatPayChannel;

beforeAll(async () => {
  h = await startWechatHarness();
  ch = new WechatPayChannel(
    sandboxWechatAccountConfig({
      wechatUrl: h.sandbox.wechat.url,
      notifyBaseUrl: h.receiverUrl,
      dataDir: h.dataDir,
      timeoutMs: 2000,
    }),
  );
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

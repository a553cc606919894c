import { generateKeyPairSync } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { beijingDay } from '../../../src/channels/beijing-time';
import type { PayRequest } from '../../../src/channels/channel-port';
import { parseWechatBill } from '../../../src/channels/wechatpay/wechatpay-bill';
import { WechatPayChannel } from '../../../src/channels/wechatpay/wechatpay-channel';
import type { WechatPayAccountConfig } from '../../../src/channels/wechatpay/wechatpay-config';
import { verifyWechatNotify } from '../../../src/channels/wechatpay/wechatpay-notify';
import { flipBit, forgeNotify, transaction } from './support/wechat-notifies';
import {
  eventually,
  newWechatOutTradeNo,
  harnessAccount,
  startWechatHarness,
  type WechatHarness,
} from './support/wechat-harness';

/** What the adapter refuses to trust: answers and notifies that do not verify, and the bill it parses. */
let h: WechatHarness;
let account: WechatPayAccountConfig;
let ch: WechatPayChannel;

beforeAll(async () => {
  h = await startWechatHarness();
  account = harnessAccount(h, 1000);
  ch = new WechatPayChannel(account);
});
afterAll(() => h.close());

const pay = (token: string): PayRequest => ({
  outTradeNo: newWechatOutTradeNo(),
  amount: 1999,
  currency: 'CNY',
  subject: 'Coffee',
  expiresAt: new Date(Date.now() + 60_000),
  method: { type: 'wallet', token },
});

test('an answer whose signature does not verify is UNKNOWN for every call, never a success', async () => {
  const req = pay('sim_success');
  await ch.pay(req);
  await eventually(async () => ((await ch.query(req.outTradeNo)).status === 'PAID' ? true : null));
  // The same key id, another key: every answer of the real sandbox now fails verification.
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  const fooled = new WechatPayChannel({ ...account, platformPublicKey: other.toString() });
  const bad = { code: 'INVALID_RESPONSE_SIGNATURE' };
  expect(await fooled.query(req.outTradeNo)).toMatchObject({ status: 'UNKNOWN', ...bad });
  expect(await fooled.pay(pay('sim_success'))).toMatchObject({ outcome: 'UNKNOWN', ...bad });
  expect(await fooled.close(req.outTradeNo)).toMatchObject({ outcome: 'UNKNOWN', ...bad });
  // Error answers are verified too: a forged "no such trade" could otherwise trigger a second payment.
  expect(await fooled.query('never-created')).toMatchObject({ status: 'UNKNOWN', ...bad });
  const refund = { outTradeNo: req.outTradeNo, outRequestNo: 'r', amount: 1, currency: 'CNY' };
  expect(await fooled.refund(refund)).toMatchObject({ outcome: 'UNKNOWN', ...bad });
  expect(await fooled.refundQuery(req.outTradeNo, 'r')).toMatchObject({ status: 'UNKNOWN', ...bad });
});

describe('notifies', () => {
  const keys = () => h.sandbox.wechat.keys;
  const tx = () => transaction(keys(), 'wx-1', 1999);

  test('a good one verifies', () => {
    expect(verifyWechatNotify(forgeNotify(keys(), tx()), account)).toMatchObject({
      ok: true,
      outTradeNo: 'wx-1',
      tradeStatus: 'PAID',
      amount: 1999,
      channelTradeNo: '4200000000202612010000000001',
    });
  });

  test.each([
    [
      'a tampered body',
      () => {
        const n = forgeNotify(keys(), tx());
        return { ...n, rawBody: n.rawBody.replace('TRANSACTION.SUCCESS', 'TRANSACTION.SUCCESs') };
      },
      /bad signature/,
    ],
    [
      'a forged signature (another key)',
      () => {
        const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        });
        return forgeNotify({ ...keys(), platformPrivateKeyPem: forger.toString() }, tx());
      },
      /bad signature/,
    ],
    [
      'a stale timestamp (6 minutes)',
      () => forgeNotify(keys(), tx(), { at: new Date(Date.now() - 360_000) }),
      /more than 300 s off/,
    ],
    [
      'a probe signature',
      () => {
        const n = forgeNotify(keys(), tx());
        return { ...n, headers: { ...n.headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' } };
      },
      /signature probe/,
    ],
    [
      'an unknown serial',
      () => {
        const n = forgeNotify(keys(), tx());
        return { ...n, headers: { ...n.headers, 'wechatpay-serial': 'PUB_KEY_ID_0000' } };
      },
      /unknown Wechatpay-Serial/,
    ],
    ['a wrong GCM tag', () => forgeNotify(keys(), tx(), { ciphertext: (c) => flipBit(c, 'tag') }), /GCM tag/],
    [
      'a flipped ciphertext bit',
      () => forgeNotify(keys(), tx(), { ciphertext: (c) => flipBit(c, 'body') }),
      /GCM tag/,
    ],
    [
      'a truncated tag',
      () =>
        forgeNotify(keys(), tx(), {
          ciphertext: (c) => Buffer.from(c, 'base64').subarray(0, -4).toString('base64'),
        }),
      /GCM tag/,
    ],
    ['another APIv3 key', () => forgeNotify(keys(), tx(), { apiV3Key: 'b'.repeat(32) }), /GCM tag/],
    [
      'another app id',
      () => forgeNotify(keys(), { ...tx(), appid: 'wx0000000000000000' }),
      /appid .* is not ours/,
    ],
    [
      'another merchant id',
      () => forgeNotify(keys(), { ...tx(), mchid: '1234567890' }),
      /mchid .* is not ours/,
    ],
    [
      'an unmapped trade_state',
      () => forgeNotify(keys(), { ...tx(), trade_state: 'PAYERROR' }),
      /unmapped trade_state/,
    ],
  ])('%s is refused', (_name, make, reason) => {
    const v = verifyWechatNotify(make(), account);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(reason);
  });
});

test('the bill: gzip, BOM, backticks, a 商户数据包 with commas and quotes; payments and refunds in fen', async () => {
  const token = 'sim_success,with "commas", and quotes';
  const req = pay(token);
  await ch.pay(req);
  await eventually(async () => ((await ch.query(req.outTradeNo)).status === 'PAID' ? true : null));
  const refund = {
    outTradeNo: req.outTradeNo,
    outRequestNo: `${req.outTradeNo}-r1`,
    amount: 250,
    currency: 'CNY',
  };
  await ch.refund(refund);
  await eventually(async () =>
    (await ch.refundQuery(req.outTradeNo, refund.outRequestNo)).status === 'SUCCEEDED' ? true : null,
  );

  const rows = [];
  for await (const row of ch.billRows(beijingDay(new Date()))) rows.push(row);
  const mine = rows.filter((row) => row.outTradeNo === req.outTradeNo);
  expect(mine.map(({ kind, amount, outRefundNo }) => ({ kind, amount, outRefundNo }))).toEqual([
    { kind: 'PAYMENT', amount: 1999, outRefundNo: null },
    { kind: 'REFUND', amount: 250, outRefundNo: refund.outRequestNo },
  ]);
  expect(mine[0]?.channelTradeNo).toMatch(/^\d{28}$/);

  // The raw file holds the commas inside one quoted, backtick-prefixed field.
  const file = gunzipSync(
    Buffer.from(
      await (await fetch(`${h.sandbox.wechat.url}/sim/bills/${beijingDay(new Date())}`)).arrayBuffer(),
    ),
  );
  expect(file.subarray(0, 3).toString('hex')).toBe('efbbbf');
  expect(file.toString('utf8')).toContain('"`sim_success,with ""commas"", and quotes"');
});

test('a bill whose summary count differs from its rows is malformed', () => {
  const text =
    '\uFEFF交易时间,微信订单号,商户订单号,交易状态,货币种类,应结订单金额,商户退款单号,退款金额,退款状态\r\n' +
    '`2026-12-01 10:00:00,`1,`o1,`SUCCESS,`CNY,`1.00,`0,`0.00,`\r\n总交易单数,应结订单总金额\r\n`2,`1.00\r\n';
  expect(() => parseWechatBill(text)).toThrow(/summary count/);
  expect(parseWechatBill(text.replace('`2,`1.00', '`1,`1.00'))).toMatchObject([
    { kind: 'PAYMENT', amount: 100 },
  ]);
});

test('no bill for a day to come', async () => {
  const iterate = async () => {
    for await (const row of ch.billRows('2999-01-01')) void row;
  };
  await expect(iterate()).rejects.toThrow(/NO_STATEMENT_EXIST/);
});

test('drill faults apply to sandbox_wechat: errors have no effect and are UNKNOWN; a timeout takes effect', async () => {
  const faults = (profile: unknown) =>
    fetch(`${h.sandbox.url}/sim/faults`, {
      method: profile ? 'PUT' : 'DELETE',
      headers: profile ? { 'content-type': 'application/json' } : {},
      body: profile ? JSON.stringify(profile) : undefined,
    });
  try {
    expect((await faults({ seed: 3, queryError: 1, refundError: 1 })).status).toBeLessThan(300);
    const answers = await Promise.all([1, 2, 3, 4].map(() => ch.query('any-trade')));
    for (const q of answers) {
      expect(q.status).toBe('UNKNOWN');
      if (q.status === 'UNKNOWN') expect(['SYSTEM_ERROR', 'INVALID_RESPONSE_SIGNATURE']).toContain(q.code);
    }
    await faults({ seed: 3, payTimeout: 1 });
    const req = pay('sim_never_pay');
    expect(await ch.pay(req)).toMatchObject({ outcome: 'UNKNOWN', code: 'TIMEOUT' });
    await faults(null);
    expect(await ch.query(req.outTradeNo)).toMatchObject({ status: 'WAIT_BUYER_PAY' });
  } finally {
    await faults(null);
  }
});

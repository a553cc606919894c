import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { AxiosError, AxiosInstance } from 'axios';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { beijingDay } from '../../../src/channels/beijing-time';
import {
  eventually,
  newWechatOutTradeNo,
  startWechatHarness,
  type WechatHarness,
} from './support/wechat-harness';

/**
 * wechatpay-axios-plugin, unmodified, as an outside judge of the WeChat sandbox: its client signs every
 * request and verifies every answer by the platform key id, so the sandbox must speak API v3 as WeChat
 * Pay does for these calls to pass at all.
 */
let h: WechatHarness;
let v3: AxiosInstance;

const clientFor = (baseURL: string): AxiosInstance => {
  const { keys } = h.sandbox.wechat;
  const wxpay = new Wechatpay({
    mchid: keys.mchId,
    serial: keys.merchantSerialNo,
    privateKey: keys.merchantPrivateKeyPem,
    certs: { [keys.platformPublicKeyId]: keys.platformPublicKeyPem },
    baseURL,
  });
  // The library's own axios instance (request signer and answer verifier), under its path-chain proxy.
  return (wxpay as unknown as { client: { v3: AxiosInstance } }).client.v3;
};

const order = (outTradeNo: string, token: string, total = 1999) => ({
  appid: h.sandbox.wechat.keys.appId,
  mchid: h.sandbox.wechat.keys.mchId,
  description: 'Coffee',
  out_trade_no: outTradeNo,
  time_expire: new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, '+00:00'),
  attach: token,
  notify_url: `${h.receiverUrl}/v1/channels/sandbox_wechat/notify`,
  amount: { total, currency: 'CNY' },
});

const query = async (outTradeNo: string): Promise<Record<string, unknown>> =>
  (
    await v3.get<Record<string, unknown>>(`/v3/pay/transactions/out-trade-no/${outTradeNo}`, {
      params: { mchid: h.sandbox.wechat.keys.mchId },
    })
  ).data;

beforeAll(async () => {
  h = await startWechatHarness();
  v3 = clientFor(h.sandbox.wechat.url);
});
afterAll(() => h.close());

test('native pay, query, notify (signed, GCM), refund twice with one out_refund_no, refund query', async () => {
  const outTradeNo = newWechatOutTradeNo();
  const created = await v3.post<{ code_url: string }>(
    '/v3/pay/transactions/native',
    order(outTradeNo, 'sim_success'),
  );
  expect(created.data.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);

  const paid = await eventually(async () => {
    const q = await query(outTradeNo);
    return q.trade_state === 'SUCCESS' ? q : null;
  });
  expect(paid).toMatchObject({ out_trade_no: outTradeNo, amount: { total: 1999, payer_total: 1999 } });
  expect(paid.transaction_id).toMatch(/^\d{28}$/);

  // The notify: verified and decrypted with the library's own helpers.
  const notify = await eventually(
    () => h.notifies.find((n) => n.rawBody.includes('TRANSACTION.SUCCESS')) ?? null,
  );
  const hdr = (name: string): string => String(notify.headers[name]);
  const { keys } = h.sandbox.wechat;
  expect(hdr('wechatpay-serial')).toBe(keys.platformPublicKeyId);
  const signed = Formatter.response(hdr('wechatpay-timestamp'), hdr('wechatpay-nonce'), notify.rawBody);
  expect(
    Rsa.verify(signed, hdr('wechatpay-signature'), Rsa.from(keys.platformPublicKeyPem, Rsa.KEY_TYPE_PUBLIC)),
  ).toBe(true);
  const body = JSON.parse(notify.rawBody) as { resource: Record<string, string> };
  const { ciphertext = '', nonce = '', associated_data: aad = '' } = body.resource;
  const transaction = JSON.parse(Aes.AesGcm.decrypt(ciphertext, keys.apiV3Key, nonce, aad)) as Record<
    string,
    unknown
  >;
  expect(transaction).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'SUCCESS', appid: keys.appId });

  const refund = {
    out_trade_no: outTradeNo,
    out_refund_no: `${outTradeNo}-r1`,
    amount: { refund: 500, total: 1999, currency: 'CNY' },
  };
  const first = await v3.post<Record<string, unknown>>('/v3/refund/domestic/refunds', refund);
  expect(first.data).toMatchObject({ status: 'PROCESSING', amount: { refund: 500 } });
  const again = await v3.post<Record<string, unknown>>('/v3/refund/domestic/refunds', refund);
  expect(again.data.refund_id).toBe(first.data.refund_id);
  const done = await eventually(async () => {
    const r = await v3.get<Record<string, unknown>>(`/v3/refund/domestic/refunds/${refund.out_refund_no}`);
    return r.data.status === 'SUCCESS' ? r.data : null;
  });
  expect(done).toMatchObject({ amount: { refund: 500 }, out_trade_no: outTradeNo });
  // One refund of 5.00 at the channel, however often it was asked: 14.99 remain refundable.
  const tooMuch = await v3
    .post('/v3/refund/domestic/refunds', {
      ...refund,
      out_refund_no: `${outTradeNo}-r2`,
      amount: { refund: 1500, total: 1999, currency: 'CNY' },
    })
    .catch((err: AxiosError) => err.response);
  expect(tooMuch?.status).toBe(403);
  expect(await query(outTradeNo)).toMatchObject({ trade_state: 'REFUND' });

  // The bill: the library's own bill reader parses it.
  const day = beijingDay(new Date());
  const bill = await v3.get<{ download_url: string; hash_type: string }>('/v3/bill/tradebill', {
    params: { bill_date: day, tar_type: 'GZIP' },
  });
  expect(bill.data.hash_type).toBe('SHA1');
  // As the library expects a download: the bare path (it skips answer verification there), the query apart.
  const at = new URL(bill.data.download_url);
  const file = await v3.get<ArrayBuffer>(at.pathname, {
    baseURL: at.origin,
    params: Object.fromEntries(at.searchParams),
    responseType: 'arraybuffer',
  });
  const { rows, summary } = Formatter.castCsvBill(gunzipSync(Buffer.from(file.data))) as {
    rows: Record<string, string>[];
    summary: Record<string, string>;
  };
  const mine = rows.filter((row) => row['商户订单号'] === outTradeNo);
  expect(mine.map((row) => [row['交易状态'], row['应结订单金额'], row['退款金额']])).toEqual([
    ['SUCCESS', '19.99', '0.00'],
    ['REFUND', '0.00', '5.00'],
  ]);
  expect(Number(summary['总交易单数'])).toBe(rows.length);
});

test('close answers 204; a closed order is not payable; a past time_expire is refused', async () => {
  const outTradeNo = newWechatOutTradeNo();
  await v3.post('/v3/pay/transactions/native', order(outTradeNo, 'sim_never_pay'));
  const closed = await v3.post(`/v3/pay/transactions/out-trade-no/${outTradeNo}/close`, {
    mchid: h.sandbox.wechat.keys.mchId,
  });
  expect(closed.status).toBe(204);
  expect(await query(outTradeNo)).toMatchObject({ trade_state: 'CLOSED' });
  const again = await v3
    .post('/v3/pay/transactions/native', order(outTradeNo, 'sim_never_pay'))
    .catch((err: AxiosError) => err.response);
  expect(again?.status).toBe(400);
  expect(again?.data).toMatchObject({ code: 'ORDER_CLOSED' });

  const past = { ...order(newWechatOutTradeNo(), 'sim_success'), time_expire: '2020-01-01T00:00:00+08:00' };
  const refused = await v3.post('/v3/pay/transactions/native', past).catch((err: AxiosError) => err.response);
  expect(refused?.data).toMatchObject({ code: 'PARAM_ERROR' });
  const missing = await query('no-such-order').catch((err: AxiosError) => err.response);
  expect(missing).toMatchObject({ status: 404, data: { code: 'ORDER_NOT_EXIST' } });
});

test('a request with a bad signature is refused 401 SIGN_ERROR', async () => {
  const res = await fetch(
    `${h.sandbox.wechat.url}/v3/pay/transactions/out-trade-no/x?mchid=${h.sandbox.wechat.keys.mchId}`,
    {
      headers: {
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${h.sandbox.wechat.keys.mchId}",nonce_str="n",signature="AAAA",timestamp="${Math.floor(Date.now() / 1000)}",serial_no="${h.sandbox.wechat.keys.merchantSerialNo}"`,
      },
    },
  );
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ code: 'SIGN_ERROR' });
});

describe('a tampered answer', () => {
  let proxy: Server;
  let proxyUrl: string;
  beforeAll(async () => {
    // Forwards to the sandbox, then changes one byte of meaning in the body: SUCCESS becomes NOTPAY.
    proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        void (async () => {
          const upstream = await fetch(`${h.sandbox.wechat.url}${req.url ?? ''}`, {
            method: req.method,
            headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
            body: req.method === 'GET' ? undefined : body,
          });
          const text = (await upstream.text()).replace('"SUCCESS"', '"NOTPAY"');
          upstream.headers.forEach((value, name) => {
            if (name.startsWith('wechatpay-') || name === 'content-type') res.setHeader(name, value);
          });
          res.statusCode = upstream.status;
          res.end(text);
        })();
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  test('is rejected by the library (signature digest), while the untampered one passes', async () => {
    const outTradeNo = newWechatOutTradeNo();
    await v3.post('/v3/pay/transactions/native', order(outTradeNo, 'sim_success'));
    await eventually(async () => ((await query(outTradeNo)).trade_state === 'SUCCESS' ? true : null));
    const viaProxy = clientFor(proxyUrl);
    const err = (await viaProxy
      .get(`/v3/pay/transactions/out-trade-no/${outTradeNo}`, {
        params: { mchid: h.sandbox.wechat.keys.mchId },
      })
      .then(
        () => null,
        (e: unknown) => e,
      )) as AxiosError | null;
    expect(err?.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
  });
});

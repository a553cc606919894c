import { generateKeyPairSync } from 'node:crypto';
import type { AlipaySdk } from 'alipay-sdk';
import {
  eventually,
  newOutTradeNo,
  startSandboxHarness,
  type SandboxHarness,
} from './support/sandbox-harness';
import { sandboxSdk } from './support/sandbox-sdk';

/** Alipay's own Node SDK against the sandbox: request and response signatures, signed notifies. */
let h: SandboxHarness;
let sdk: AlipaySdk;
let payAndWait: ReturnType<typeof sandboxSdk>['payAndWait'];

beforeAll(async () => {
  h = await startSandboxHarness();
  ({ sdk, payAndWait } = sandboxSdk(h));
});
afterAll(() => h.close());

test('a request signed with another key is refused with isv.invalid-signature (and the refusal is signed)', async () => {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  const forged = sandboxSdk(h, { privateKey: String(stranger) }).sdk;
  const answer = await forged.exec(
    'alipay.trade.query',
    { bizContent: { out_trade_no: 'x-1' } },
    { validateSign: true },
  );
  expect(answer).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
});

test('the SDK rejects a response when it holds the wrong channel public key', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
  const suspicious = sandboxSdk(h, { alipayPublicKey: String(other) }).sdk;
  await expect(
    suspicious.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x-1' } }, { validateSign: true }),
  ).rejects.toThrow(/验签失败/);
});

test("the SDK's own notify check accepts the sandbox's notifies and rejects a tampered one", async () => {
  const outTradeNo = newOutTradeNo();
  await payAndWait(outTradeNo);
  const notify = await eventually(() => h.notifies.find((n) => n.fields.out_trade_no === outTradeNo));
  expect(notify.fields).toMatchObject({
    notify_type: 'trade_status_sync',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '19.99',
    sign_type: 'RSA2',
    app_id: h.sandbox.accounts.sandbox.appId,
  });
  expect(notify.fields.gmt_payment).toBeDefined();
  expect(sdk.checkNotifySignV2(notify.fields)).toBe(true);
  expect(sdk.checkNotifySignV2({ ...notify.fields, total_amount: '0.01' })).toBe(false);
});

test('a notify answered with anything but `success` is sent again with the same notify_id', async () => {
  const outTradeNo = newOutTradeNo();
  let refusals = 0;
  h.answerNotify = (n) => (n.fields.out_trade_no === outTradeNo && refusals++ < 2 ? 'fail' : 'success');
  await payAndWait(outTradeNo);
  const deliveries = await eventually(() => {
    const mine = h.notifies.filter((n) => n.fields.out_trade_no === outTradeNo);
    return mine.length >= 3 ? mine : undefined;
  });
  expect(new Set(deliveries.map((n) => n.fields.notify_id)).size).toBe(1);
  h.answerNotify = () => 'success';
});

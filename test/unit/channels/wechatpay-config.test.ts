import { generateKeyPairSync } from 'node:crypto';
import { parseChannelAccounts } from '../../../src/channels/channel-config';
import { createChannelRegistry } from '../../../src/channels/channel-registry';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wechat = {
  name: 'wechat_main',
  kind: 'wechatpay',
  appId: 'wx0123456789abcdef',
  mchId: '1900000109',
  merchantSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  apiV3Key: 'a'.repeat(32),
  merchantPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  platformPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  platformPublicKeyId: 'PUB_KEY_ID_0114232134912410000000000000000000',
  notifyUrl: 'https://pay.example.com/v1/channels/wechat_main/notify',
};

test('a WeChat Pay account is validated like any channel account, with defaults filled in', () => {
  const [account] = parseChannelAccounts([wechat]);
  expect(account).toMatchObject({
    kind: 'wechatpay',
    gatewayUrl: 'https://api.mch.weixin.qq.com',
    timeoutMs: 5000,
  });
});

test.each([
  ['appId', { appId: 'wx123' }, /accounts\[0\] \(wechat_main\)\.appId: must be wx followed by 16 hex digits/],
  ['mchId', { mchId: 'abc' }, /\.mchId: must be the 8-10 digit merchant number/],
  ['apiV3Key', { apiV3Key: 'short' }, /\.apiV3Key: must be exactly 32 characters/],
  [
    'merchantPrivateKey',
    { merchantPrivateKey: 'not a key' },
    /\.merchantPrivateKey: must be an RSA private key in PEM/,
  ],
  ['platformPublicKeyId', { platformPublicKeyId: 'key-1' }, /\.platformPublicKeyId: must be PUB_KEY_ID_/],
  ['gatewayUrl', { gatewayUrl: 'ftp://api.mch.weixin.qq.com' }, /\.gatewayUrl: must be an http\(s\) URL/],
  ['an unknown field', { mchid: '1' }, /accounts\[0\] \(wechat_main\)/],
])('a wrong %s stops start-up naming the account and field', (_field, change, message) => {
  expect(() => parseChannelAccounts([{ ...wechat, ...change }])).toThrow(message);
});

test('an unknown kind is refused', () => {
  expect(() => parseChannelAccounts([{ ...wechat, kind: 'paypal' }])).toThrow(
    /kind must be 'alipay' or 'wechatpay'/,
  );
});

test('a configured WeChat Pay account gets the WeChat Pay adapter, with raw notify verification', () => {
  const channel = createChannelRegistry(parseChannelAccounts([wechat])).get('wechat_main');
  expect(channel.name).toBe('wechat_main');
  expect(typeof channel.verifyRawNotify).toBe('function');
});

import { randomBytes, randomInt } from 'node:crypto';
import { loadOrCreateKeysFile, rsaPair } from '../keys-file';

/** The WeChat Pay (API v3) account the sandbox serves beside the two Alipay-style ones (contract section 9). */
export const SANDBOX_WECHAT_ACCOUNT = 'sandbox_wechat';

export interface WechatSandboxKeys {
  appId: string;
  mchId: string;
  /** Serial of the merchant's API certificate: the sandbox looks up the merchant key by it. */
  merchantSerialNo: string;
  /** What our service signs requests with; the sandbox verifies with the public half. */
  merchantPrivateKeyPem: string;
  merchantPublicKeyPem: string;
  /** WeChat Pay's own key, named by its `PUB_KEY_ID_…`: signs answers and notifies. */
  platformPublicKeyId: string;
  platformPrivateKeyPem: string;
  platformPublicKeyPem: string;
  /** The 32-character APIv3 key that encrypts notify resources (AES-256-GCM). */
  apiV3Key: string;
}

const FIELDS: (keyof WechatSandboxKeys)[] = [
  'appId',
  'mchId',
  'merchantSerialNo',
  'merchantPrivateKeyPem',
  'merchantPublicKeyPem',
  'platformPublicKeyId',
  'platformPrivateKeyPem',
  'platformPublicKeyPem',
  'apiV3Key',
];

/** Keys live in `<dataDir>/sandbox-keys/sandbox_wechat.json`, generated on first start and reused after. */
export function loadOrCreateWechatSandboxKeys(dataDir: string): WechatSandboxKeys {
  return loadOrCreateKeysFile<WechatSandboxKeys>(dataDir, SANDBOX_WECHAT_ACCOUNT, FIELDS, () => {
    const merchant = rsaPair();
    const platform = rsaPair();
    return {
      appId: `wx${randomBytes(8).toString('hex')}`,
      mchId: `19${digits(8)}`,
      merchantSerialNo: randomBytes(20).toString('hex').toUpperCase(),
      merchantPrivateKeyPem: merchant.privateKey,
      merchantPublicKeyPem: merchant.publicKey,
      platformPublicKeyId: `PUB_KEY_ID_01${digits(30)}`,
      platformPrivateKeyPem: platform.privateKey,
      platformPublicKeyPem: platform.publicKey,
      apiV3Key: randomBytes(16).toString('hex'),
    };
  });
}

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * Keys live in `<dataDir>/sandbox-keys/sandbox_wechat.json`, generated on first start and reused after,
 * so the sandbox and the service (separate processes) agree on them across restarts.
 */
export function loadOrCreateWechatSandboxKeys(dataDir: string): WechatSandboxKeys {
  const dir = join(dataDir, 'sandbox-keys');
  const file = join(dir, `${SANDBOX_WECHAT_ACCOUNT}.json`);
  const existing = readKeysFile(file);
  if (existing) return existing;

  mkdirSync(dir, { recursive: true });
  const merchant = rsaPair();
  const platform = rsaPair();
  const keys: WechatSandboxKeys = {
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
  // Written aside, then linked into place: the link fails if another process won, whose keys we adopt.
  const temp = join(dir, `.${SANDBOX_WECHAT_ACCOUNT}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temp, JSON.stringify(keys, null, 2), { mode: 0o600 });
  try {
    linkSync(temp, file);
    return keys;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = readKeysFile(file);
    if (!winner) throw new Error(`unreadable sandbox keys file ${file}`);
    return winner;
  } finally {
    unlinkSync(temp);
  }
}

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

function rsaPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

function readKeysFile(file: string): WechatSandboxKeys | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<Record<keyof WechatSandboxKeys, unknown>>;
  for (const field of FIELDS) {
    if (typeof parsed[field] !== 'string') {
      throw new Error(`sandbox keys file ${file} lacks ${field}: delete it to generate new keys`);
    }
  }
  return parsed as WechatSandboxKeys;
}

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The two channel accounts the sandbox serves, each with its own app id (contract section 4). */
export const SANDBOX_ACCOUNT_NAMES = ['sandbox', 'sandbox_backup'] as const;
export type SandboxAccountName = (typeof SANDBOX_ACCOUNT_NAMES)[number];

const APP_IDS: Record<SandboxAccountName, string> = {
  sandbox: '2021000000000001',
  sandbox_backup: '2021000000000002',
};

/** The account's partner id (16 digits, 2088…), as Alipay names an account in its bills. */
export function sandboxPid(account: SandboxAccountName): string {
  return `2088${APP_IDS[account].slice(-12)}`;
}

export interface SandboxKeys {
  appId: string;
  /** What our service signs requests with (the sandbox verifies with the public half). */
  appPrivateKeyPem: string;
  appPublicKeyPem: string;
  /** What the sandbox signs responses and notifies with (our service verifies with the public half). */
  channelPrivateKeyPem: string;
  channelPublicKeyPem: string;
}

export function isSandboxAccountName(name: string): name is SandboxAccountName {
  return (SANDBOX_ACCOUNT_NAMES as readonly string[]).includes(name);
}

/**
 * Keys live in `<dataDir>/sandbox-keys/<account>.json`, generated on first use and reused after, so the
 * sandbox and the service (separate processes) agree on them across restarts.
 */
export function loadOrCreateSandboxKeys(dataDir: string, account: string): SandboxKeys {
  if (!isSandboxAccountName(account)) throw new Error(`unknown sandbox account: ${account}`);
  const dir = join(dataDir, 'sandbox-keys');
  const file = join(dir, `${account}.json`);
  const existing = readKeysFile(file);
  if (existing) return existing;

  mkdirSync(dir, { recursive: true });
  const app = generateRsaPair();
  const channel = generateRsaPair();
  const keys: SandboxKeys = {
    appId: APP_IDS[account],
    appPrivateKeyPem: app.privateKey,
    appPublicKeyPem: app.publicKey,
    channelPrivateKeyPem: channel.privateKey,
    channelPublicKeyPem: channel.publicKey,
  };
  // Write aside, then link into place: link fails if another process got there first, and a reader
  // never sees a half-written file. The loser adopts the winner's keys.
  const temp = join(dir, `.${account}.${randomBytes(6).toString('hex')}.tmp`);
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

function generateRsaPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

function readKeysFile(file: string): SandboxKeys | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<SandboxKeys>;
  const fields = [
    'appId',
    'appPrivateKeyPem',
    'appPublicKeyPem',
    'channelPrivateKeyPem',
    'channelPublicKeyPem',
  ];
  for (const field of fields) {
    if (typeof parsed[field as keyof SandboxKeys] !== 'string') {
      throw new Error(`sandbox keys file ${file} lacks ${field}: delete it to generate new keys`);
    }
  }
  return parsed as SandboxKeys;
}

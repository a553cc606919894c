import { loadOrCreateKeysFile, rsaPair } from './keys-file';

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

const FIELDS = [
  'appId',
  'appPrivateKeyPem',
  'appPublicKeyPem',
  'channelPrivateKeyPem',
  'channelPublicKeyPem',
] as const satisfies readonly (keyof SandboxKeys)[];

/** Keys live in `<dataDir>/sandbox-keys/<account>.json`, generated on first use and reused after. */
export function loadOrCreateSandboxKeys(dataDir: string, account: string): SandboxKeys {
  if (!isSandboxAccountName(account)) throw new Error(`unknown sandbox account: ${account}`);
  return loadOrCreateKeysFile<SandboxKeys>(dataDir, account, FIELDS, () => {
    const app = rsaPair();
    const channel = rsaPair();
    return {
      appId: APP_IDS[account],
      appPrivateKeyPem: app.privateKey,
      appPublicKeyPem: app.publicKey,
      channelPrivateKeyPem: channel.privateKey,
      channelPublicKeyPem: channel.publicKey,
    };
  });
}

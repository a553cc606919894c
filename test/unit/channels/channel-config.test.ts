import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChannelAccounts, type ChannelAccountInput } from '../../../src/channels/channel-config';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import { sandboxAccountConfigs } from '../../../src/channels/sandbox/sandbox-accounts';
import { loadOrCreateSandboxKeys } from '../../../src/channels/sandbox/sandbox-keys';

// Built at load time: test.each tables below are made before any beforeAll runs.
const dataDir = mkdtempSync(join(tmpdir(), 'channel-config-'));
const valid: ChannelAccountInput[] = sandboxAccountConfigs({
  sandboxUrl: 'http://127.0.0.1:3100/',
  notifyBaseUrl: 'http://127.0.0.1:3000',
  dataDir,
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function withChange(index: number, change: Record<string, unknown>): unknown {
  return valid.map((account, i) => (i === index ? { ...account, ...change } : account));
}

test('sandbox accounts: gateway, notify URL per account, defaults for the public parameters', () => {
  const [main, backup] = valid;
  expect(main).toMatchObject({
    name: 'sandbox',
    kind: 'alipay',
    gatewayUrl: 'http://127.0.0.1:3100/gateway.do',
    appId: '2021000000000001',
    notifyUrl: 'http://127.0.0.1:3000/v1/channels/sandbox/notify',
    format: 'JSON',
    charset: 'utf-8',
    signType: 'RSA2',
    version: '1.0',
    timeoutMs: 3000,
  });
  expect(backup).toMatchObject({ name: 'sandbox_backup', appId: '2021000000000002' });
  expect(main?.appPrivateKey).not.toEqual(backup?.appPrivateKey);
});

test('sandbox keys are generated once and reused', () => {
  const first = loadOrCreateSandboxKeys(dataDir, 'sandbox');
  expect(loadOrCreateSandboxKeys(dataDir, 'sandbox')).toEqual(first);
  expect(first.appPrivateKeyPem).toContain('BEGIN PRIVATE KEY');
  expect(first.channelPublicKeyPem).toContain('BEGIN PUBLIC KEY');
  expect(() => loadOrCreateSandboxKeys(dataDir, 'other')).toThrow(/unknown sandbox account/);
});

test.each([
  [withChange(1, { appId: '12' }), 'accounts[1] (sandbox_backup).appId: must be 16 digits'],
  [
    withChange(0, { appPrivateKey: 'not a key' }),
    'accounts[0] (sandbox).appPrivateKey: must be an RSA private key in PEM',
  ],
  [
    withChange(0, { alipayPublicKey: undefined }),
    'accounts[0] (sandbox).alipayPublicKey: must be a PEM string',
  ],
  [withChange(0, { notifyUrl: 'ftp://x' }), 'accounts[0] (sandbox).notifyUrl: must be an http(s) URL'],
  [withChange(1, { gatewayUrl: 42 }), 'accounts[1] (sandbox_backup).gatewayUrl: must be a URL string'],
  [withChange(0, { kind: 'wechat' }), "accounts[0] (sandbox).kind: kind must be 'alipay' or 'wechatpay'"],
  [withChange(0, { signType: 'RSA' }), "accounts[0] (sandbox).signType: must be 'RSA2'"],
  [withChange(1, { timeoutMs: 5.5 }), 'accounts[1] (sandbox_backup).timeoutMs: must be an integer'],
  [withChange(0, { name: 'Bad Name' }), 'accounts[0] (Bad Name).name: must be 1-32 chars'],
  [withChange(0, { appAuthToken: '' }), 'accounts[0] (sandbox).appAuthToken: must not be empty'],
  [withChange(1, { name: 'sandbox' }), 'accounts[1] (sandbox).name: duplicate account name'],
  [{ accounts: [] }, 'accounts: channel accounts must be an array'],
])('names the account and field: %#', (raw, message) => {
  expect(() => parseChannelAccounts(raw)).toThrow(message);
});

test('an unknown field is reported against its account', () => {
  expect(() => parseChannelAccounts(withChange(0, { secret: 'x' }))).toThrow(
    /accounts\[0\] \(sandbox\).*secret/,
  );
});

test('the registry builds one channel per account and refuses unknown names', () => {
  const registry = createChannelRegistry(parseChannelAccounts(valid));
  expect(registry.names()).toEqual(['sandbox', 'sandbox_backup']);
  expect(registry.has('sandbox_backup')).toBe(true);
  expect(registry.has('nope')).toBe(false);
  expect(registry.get('sandbox').name).toBe('sandbox');
  expect(() => registry.get('nope')).toThrow(/unknown channel account: nope/);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSandboxKeys } from '../../../src/channels/sandbox/sandbox-keys';
import { loadOrCreateWechatSandboxKeys } from '../../../src/channels/sandbox/wechat/wechat-keys';

const dataDir = () => mkdtempSync(join(tmpdir(), 'sandbox-keys-'));

test('keys are generated on first use and the same keys are read back after (a restart agrees with its peer)', () => {
  const dir = dataDir();
  const first = loadOrCreateSandboxKeys(dir, 'sandbox');
  expect(first.appId).toBe('2021000000000001');
  expect(first.appPrivateKeyPem).toContain('BEGIN PRIVATE KEY');
  expect(loadOrCreateSandboxKeys(dir, 'sandbox')).toEqual(first);
  expect(loadOrCreateSandboxKeys(dir, 'sandbox_backup').appPrivateKeyPem).not.toBe(first.appPrivateKeyPem);
  const wechat = loadOrCreateWechatSandboxKeys(dir);
  expect(wechat.platformPublicKeyId).toMatch(/^PUB_KEY_ID_01\d{30}$/);
  expect(wechat.apiV3Key).toHaveLength(32);
  expect(loadOrCreateWechatSandboxKeys(dir)).toEqual(wechat);
});

test('a keys file missing a field is refused with what to do, never half-used', () => {
  const dir = dataDir();
  loadOrCreateSandboxKeys(dir, 'sandbox');
  writeFileSync(join(dir, 'sandbox-keys', 'sandbox.json'), JSON.stringify({ appId: 'x' }));
  expect(() => loadOrCreateSandboxKeys(dir, 'sandbox')).toThrow(/lacks appPrivateKeyPem: delete it/);
  expect(() => loadOrCreateSandboxKeys(dir, 'alipay')).toThrow(/unknown sandbox account/);
});

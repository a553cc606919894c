import { parseChannelAccounts, type ChannelAccountConfig } from '../channel-config';
import type { WechatPayAccountConfig } from '../wechatpay/wechatpay-config';
import { SANDBOX_ACCOUNT_NAMES, loadOrCreateSandboxKeys } from './sandbox-keys';
import { SANDBOX_WECHAT_ACCOUNT, loadOrCreateWechatSandboxKeys } from './wechat/wechat-keys';

/**
 * Below the sandbox's slow-answer delay (5 s) by more than the SDK's HTTP client's timeout slack (its
 * header timeout ticks about once a second), so `sim_timeout_then_success` surely times out.
 */
const DEFAULT_SANDBOX_TIMEOUT_MS = 3000;

/**
 * The service's configuration for the two sandbox accounts, built from the keys in the data folder:
 * exactly what a real Alipay account would need, pointed at the sandbox.
 */
export function sandboxAccountConfigs(opts: {
  sandboxUrl: string;
  notifyBaseUrl: string;
  dataDir: string;
  timeoutMs?: number;
}): ChannelAccountConfig[] {
  const sandboxUrl = opts.sandboxUrl.replace(/\/+$/, '');
  const notifyBaseUrl = opts.notifyBaseUrl.replace(/\/+$/, '');
  const accounts = parseChannelAccounts(
    SANDBOX_ACCOUNT_NAMES.map((name) => {
      const keys = loadOrCreateSandboxKeys(opts.dataDir, name);
      return {
        name,
        kind: 'alipay',
        gatewayUrl: `${sandboxUrl}/gateway.do`,
        appId: keys.appId,
        notifyUrl: `${notifyBaseUrl}/v1/channels/${name}/notify`,
        timeoutMs: opts.timeoutMs ?? DEFAULT_SANDBOX_TIMEOUT_MS,
        appPrivateKey: keys.appPrivateKeyPem,
        alipayPublicKey: keys.channelPublicKeyPem,
      };
    }),
  );
  // Built from Alipay-style fields above, so every entry is an Alipay account.
  return accounts.filter((a): a is ChannelAccountConfig => a.kind === 'alipay');
}

/**
 * The service's configuration for `sandbox_wechat`, from its keys in the data folder: exactly what a real
 * WeChat Pay account needs, pointed at the sandbox's WeChat port.
 */
export function sandboxWechatAccountConfig(opts: {
  wechatUrl: string;
  notifyBaseUrl: string;
  dataDir: string;
  timeoutMs?: number;
}): WechatPayAccountConfig {
  const keys = loadOrCreateWechatSandboxKeys(opts.dataDir);
  const [account] = parseChannelAccounts([
    {
      name: SANDBOX_WECHAT_ACCOUNT,
      kind: 'wechatpay',
      gatewayUrl: opts.wechatUrl.replace(/\/+$/, ''),
      appId: keys.appId,
      mchId: keys.mchId,
      merchantSerialNo: keys.merchantSerialNo,
      merchantPrivateKey: keys.merchantPrivateKeyPem,
      platformPublicKeyId: keys.platformPublicKeyId,
      platformPublicKey: keys.platformPublicKeyPem,
      apiV3Key: keys.apiV3Key,
      notifyUrl: `${opts.notifyBaseUrl.replace(/\/+$/, '')}/v1/channels/${SANDBOX_WECHAT_ACCOUNT}/notify`,
      timeoutMs: opts.timeoutMs ?? DEFAULT_SANDBOX_TIMEOUT_MS,
    },
  ]);
  if (account?.kind !== 'wechatpay') throw new Error('sandbox_wechat must be a wechatpay account');
  return account;
}

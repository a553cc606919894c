import { readFileSync } from 'node:fs';
import { parseChannelAccounts, type AnyChannelAccountConfig } from '../channels/channel-config';
import { sandboxAccountConfigs, sandboxWechatAccountConfig } from '../channels/sandbox/sandbox-accounts';
import type { AppConfig } from '../config/config';

/**
 * Real accounts come from CHANNEL_ACCOUNTS_FILE; without it, the sandbox accounts of the local stack: the
 * two Alipay-style ones and `sandbox_wechat` (at `wechatUrl`, else SANDBOX_WECHAT_URL, else the port after
 * the sandbox's, where the sandbox starts it by default).
 */
export function channelAccountsFor(c: AppConfig, wechatUrl?: string): AnyChannelAccountConfig[] {
  if (c.CHANNEL_ACCOUNTS_FILE) {
    return parseChannelAccounts(JSON.parse(readFileSync(c.CHANNEL_ACCOUNTS_FILE, 'utf8')) as unknown);
  }
  const notifyBaseUrl = c.PUBLIC_BASE_URL ?? `http://127.0.0.1:${c.PORT}`;
  const wechatPort = process.env.SANDBOX_WECHAT_PORT ?? String(c.SANDBOX_PORT + 1);
  return [
    ...sandboxAccountConfigs({
      sandboxUrl: c.SANDBOX_URL ?? `http://127.0.0.1:${c.SANDBOX_PORT}`,
      notifyBaseUrl,
      dataDir: c.DATA_DIR,
      timeoutMs: c.CHANNEL_TIMEOUT_MS,
    }),
    sandboxWechatAccountConfig({
      wechatUrl: wechatUrl ?? process.env.SANDBOX_WECHAT_URL ?? `http://127.0.0.1:${wechatPort}`,
      notifyBaseUrl,
      dataDir: c.DATA_DIR,
      timeoutMs: c.CHANNEL_TIMEOUT_MS,
    }),
  ];
}

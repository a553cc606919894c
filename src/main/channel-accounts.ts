import { readFileSync } from 'node:fs';
import { parseChannelAccounts, type AnyChannelAccountConfig } from '../channels/channel-config';
import { sandboxAccountConfigs } from '../channels/sandbox/sandbox-accounts';
import type { AppConfig } from '../config/config';

/** Real accounts come from CHANNEL_ACCOUNTS_FILE; without it, the two sandbox accounts of the local stack. */
export function channelAccountsFor(c: AppConfig): AnyChannelAccountConfig[] {
  if (c.CHANNEL_ACCOUNTS_FILE) {
    return parseChannelAccounts(JSON.parse(readFileSync(c.CHANNEL_ACCOUNTS_FILE, 'utf8')) as unknown);
  }
  return sandboxAccountConfigs({
    sandboxUrl: c.SANDBOX_URL ?? `http://127.0.0.1:${c.SANDBOX_PORT}`,
    notifyBaseUrl: c.PUBLIC_BASE_URL ?? `http://127.0.0.1:${c.PORT}`,
    dataDir: c.DATA_DIR,
    timeoutMs: c.CHANNEL_TIMEOUT_MS,
  });
}

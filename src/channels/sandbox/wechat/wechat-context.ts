import type { SandboxFaults } from '../sandbox-faults';
import type { SandboxScheduler } from '../sandbox-scheduler';
import type { SandboxTrade } from '../sandbox-trade';
import type { TradeBook } from '../trade-book';
import type { WechatSandboxKeys } from './wechat-keys';
import type { WechatLedger } from './wechat-ledger';

/** What every WeChat sandbox route works with. */
export interface WechatContext {
  keys: WechatSandboxKeys;
  /** The WeChat account's own trade book: its trades never mix with the Alipay-style accounts'. */
  book: TradeBook;
  ledger: WechatLedger;
  scheduler: SandboxScheduler;
  /** The drill's fault profile (`PUT /sim/faults` on the sandbox's port), shared with the Alipay accounts. */
  faults: SandboxFaults;
  /** How long sim_timeout_then_success holds the pay answer back. */
  timeoutDelayMs: number;
  /** How long a refund stays PROCESSING before it ends. */
  refundDelayMs: number;
  /** Tells the notifier a refund ended (refund notifies are not sent: the service asks by query). */
  onTradeChange?: (trade: SandboxTrade) => void;
}

/**
 * The TradeBook types its trades by Alipay-style account name; the WeChat book holds one account only,
 * so every WeChat trade carries this placeholder there and nothing reads it.
 */
export const WECHAT_BOOK_ACCOUNT = 'sandbox';

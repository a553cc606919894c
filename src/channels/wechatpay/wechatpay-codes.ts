/**
 * The one table from WeChat Pay API v3's raw answers to what they mean for us: error codes (of a 4xx/5xx
 * answer), trade_state and refund status. Adapter methods decide from these outcomes alone; anything
 * missing here is UNKNOWN, never a guess, because a misread decline could charge a buyer twice.
 * Codes as WeChat Pay API v3 documents them per API (错误码); older spellings kept where they occur.
 */

export type WechatErrorOutcome =
  /** The channel refused this call and says retrying may work: resolve by query, then retry. */
  | 'RETRYABLE_DECLINE'
  /** Refused for good: wrong parameters, no funds, a rule, a number reused with other values. */
  | 'HARD_DECLINE'
  | 'NOT_FOUND'
  | 'ALREADY_PAID'
  | 'CLOSED'
  /** The call may or may not have taken effect (or our credentials are wrong): resolve by query. */
  | 'UNKNOWN';

const ERROR_CODES: Readonly<Record<string, WechatErrorOutcome>> = {
  SYSTEM_ERROR: 'RETRYABLE_DECLINE',
  SYSTEMERROR: 'RETRYABLE_DECLINE',
  BANK_ERROR: 'RETRYABLE_DECLINE',
  BANKERROR: 'RETRYABLE_DECLINE',
  FREQUENCY_LIMITED: 'RETRYABLE_DECLINE',
  FREQUENCY_LIMIT_EXCEED: 'RETRYABLE_DECLINE',
  NOT_ENOUGH: 'HARD_DECLINE',
  NOTENOUGH: 'HARD_DECLINE',
  PARAM_ERROR: 'HARD_DECLINE',
  INVALID_REQUEST: 'HARD_DECLINE',
  APPID_MCHID_NOT_MATCH: 'HARD_DECLINE',
  MCH_NOT_EXISTS: 'HARD_DECLINE',
  NO_AUTH: 'HARD_DECLINE',
  RULE_LIMIT: 'HARD_DECLINE',
  TRADE_ERROR: 'HARD_DECLINE',
  OUT_TRADE_NO_USED: 'HARD_DECLINE',
  ACCOUNT_ERROR: 'HARD_DECLINE',
  USER_ACCOUNT_ABNORMAL: 'HARD_DECLINE',
  ORDER_NOT_EXIST: 'NOT_FOUND',
  ORDERNOTEXIST: 'NOT_FOUND',
  RESOURCE_NOT_EXISTS: 'NOT_FOUND',
  NO_STATEMENT_EXIST: 'NOT_FOUND',
  ORDERPAID: 'ALREADY_PAID',
  ORDER_CLOSED: 'CLOSED',
  ORDERCLOSED: 'CLOSED',
  // Our request's signature did not verify there: nothing happened, but retrying cannot help either.
  SIGN_ERROR: 'UNKNOWN',
};

export function wechatErrorOutcome(code: string): WechatErrorOutcome {
  return ERROR_CODES[code] ?? 'UNKNOWN';
}

/** trade_state → the trade as our port sees it. REFUND is a paid trade with refunds: it was paid. */
export type WechatTradeOutcome = 'WAIT_BUYER_PAY' | 'PAID' | 'CLOSED';

const TRADE_STATES: Readonly<Record<string, WechatTradeOutcome>> = {
  SUCCESS: 'PAID',
  REFUND: 'PAID',
  NOTPAY: 'WAIT_BUYER_PAY',
  USERPAYING: 'WAIT_BUYER_PAY',
  CLOSED: 'CLOSED',
  REVOKED: 'CLOSED',
  // PAYERROR (the buyer's bank refused) is left out on purpose: the trade is neither payable nor
  // closed, so it stays UNKNOWN and the deadline's close settles it.
};

export function wechatTradeOutcome(state: unknown): WechatTradeOutcome | null {
  return typeof state === 'string' ? (TRADE_STATES[state] ?? null) : null;
}

/**
 * Refund status. CLOSED is final (no money returned); ABNORMAL is not (the buyer's account refused the
 * money and an operator must act at the merchant platform), so both surface with their own code.
 */
export type WechatRefundOutcome = 'SUCCEEDED' | 'PROCESSING' | 'CLOSED' | 'ABNORMAL';

const REFUND_STATUSES: Readonly<Record<string, WechatRefundOutcome>> = {
  SUCCESS: 'SUCCEEDED',
  PROCESSING: 'PROCESSING',
  CLOSED: 'CLOSED',
  ABNORMAL: 'ABNORMAL',
};

export function wechatRefundOutcome(status: unknown): WechatRefundOutcome | null {
  return typeof status === 'string' ? (REFUND_STATUSES[status] ?? null) : null;
}

/** Our codes for answers we cannot read as WeChat's. */
export const WECHAT_TRANSPORT_CODES = {
  timeout: 'TIMEOUT',
  transport: 'TRANSPORT_ERROR',
  /** An answer whose signature, serial or timestamp did not verify: it cannot be trusted either way. */
  badSignature: 'INVALID_RESPONSE_SIGNATURE',
  /** A signed answer that does not say what WeChat's answers say. */
  unexpected: 'UNEXPECTED_ANSWER',
  refundClosed: 'REFUND_CLOSED',
  refundAbnormal: 'REFUND_ABNORMAL',
} as const;

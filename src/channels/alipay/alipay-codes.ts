/**
 * The one table from Alipay's raw answers (code, sub_code) to what they mean for us. Adapter methods
 * decide from the canonical outcome alone; a code missing here is UNKNOWN, never a guess, because a
 * misread decline could charge a buyer twice.
 * @see https://opendocs.alipay.com/common/02km9f (public codes) and each API's own sub_code list.
 */

export type AlipayOutcome =
  /** 10000: the call did what it was asked. */
  | 'SUCCESS'
  /** 10003: the trade exists and waits for the buyer. */
  | 'PENDING'
  /** The call may or may not have taken effect: resolve by query. */
  | 'UNKNOWN'
  /** The channel refused this call and says retrying may work (e.g. ACQ.SYSTEM_ERROR). */
  | 'RETRYABLE_DECLINE'
  /** The channel refused for good: wrong parameters, no funds, a rule. */
  | 'HARD_DECLINE'
  | 'NOT_FOUND'
  | 'ALREADY_PAID'
  | 'CLOSED'
  /** The trade is in a status that forbids the call (paid or closed for a close; unpaid for a refund). */
  | 'WRONG_STATUS';

/** Keyed `code` or `code:sub_code`; the sub_code entry wins. */
const ALIPAY_CODES: Readonly<Record<string, AlipayOutcome>> = {
  '10000': 'SUCCESS',
  '10003': 'PENDING',
  '20000': 'UNKNOWN',
  '20001': 'HARD_DECLINE',
  '40001': 'HARD_DECLINE',
  '40002': 'HARD_DECLINE',
  '40003': 'HARD_DECLINE',
  '40006': 'HARD_DECLINE',
  '40004:ACQ.SYSTEM_ERROR': 'RETRYABLE_DECLINE',
  '40004:ACQ.PAYMENT_FAIL': 'RETRYABLE_DECLINE',
  '40004:ACQ.SELLER_BALANCE_NOT_ENOUGH': 'RETRYABLE_DECLINE',
  '40004:ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR': 'RETRYABLE_DECLINE',
  '40004:ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR': 'RETRYABLE_DECLINE',
  '40004:ACQ.BUYER_BALANCE_NOT_ENOUGH': 'HARD_DECLINE',
  '40004:ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': 'HARD_DECLINE',
  '40004:ACQ.PAYMENT_AUTH_CODE_INVALID': 'HARD_DECLINE',
  '40004:ACQ.INVALID_PARAMETER': 'HARD_DECLINE',
  '40004:ACQ.CONTEXT_INCONSISTENT': 'HARD_DECLINE',
  '40004:ACQ.TOTAL_FEE_EXCEED': 'HARD_DECLINE',
  '40004:ACQ.TRADE_BUYER_NOT_MATCH': 'HARD_DECLINE',
  '40004:ACQ.BUYER_ENABLE_STATUS_FORBID': 'HARD_DECLINE',
  '40004:ACQ.EXIST_FORBIDDEN_WORD': 'HARD_DECLINE',
  '40004:ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': 'HARD_DECLINE',
  '40004:ACQ.TRADE_CANCEL_TIME_OUT': 'HARD_DECLINE',
  '40004:isp.bill_not_exist': 'NOT_FOUND',
  '40004:ACQ.TRADE_NOT_EXIST': 'NOT_FOUND',
  '40004:ACQ.TRADE_HAS_SUCCESS': 'ALREADY_PAID',
  '40004:ACQ.TRADE_HAS_FINISHED': 'ALREADY_PAID',
  '40004:ACQ.TRADE_HAS_CLOSE': 'CLOSED',
  '40004:ACQ.TRADE_STATUS_ERROR': 'WRONG_STATUS',
};

export function alipayOutcome(code: string, subCode: string | undefined): AlipayOutcome {
  return (
    (subCode !== undefined ? ALIPAY_CODES[`${code}:${subCode}`] : undefined) ??
    ALIPAY_CODES[code] ??
    'UNKNOWN'
  );
}

/**
 * The code our attempts and retry rules use (contract section 7 says `SYSTEM_ERROR`): the sub_code
 * without Alipay's `ACQ.` prefix, else the bare code.
 */
export function canonicalAlipayCode(code: string, subCode: string | undefined): string {
  if (!subCode) return code;
  return subCode.replace(/^(?:aop\.)?ACQ\./, '');
}

/** Our codes for failures that never produced an Alipay answer. */
export const TRANSPORT_CODES = {
  /** No answer within the account's timeoutMs. */
  timeout: 'TIMEOUT',
  /** Connection refused or reset, HTTP error, unparseable body. */
  transport: 'TRANSPORT_ERROR',
  /** An answer whose signature did not verify: it cannot be trusted either way. */
  badSignature: 'INVALID_RESPONSE_SIGNATURE',
} as const;

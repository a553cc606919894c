/**
 * Codes no retry can fix (principle three of the retry service): sending the same card, the same
 * buyer or the same details to another channel fails the same way, only later and after another
 * handshake, or worse, lets a risky payment through elsewhere. No rule, not even a BLACKLIST rule,
 * can make these retry: that is what makes BLACKLIST safe enough to offer.
 */

/**
 * The spelling every comparison uses. Our Alipay adapter already strips `ACQ.`, but a principle must
 * not be bypassable by a code that reached us unstripped or in another case ("acq.card_expired").
 */
export function normalizeRetryCode(code: string): string {
  return code
    .trim()
    .replace(/^(?:aop\.)?acq\./i, '')
    .toUpperCase();
}

/** Risk rejections: the channel or our risk engine stopped the payment on purpose. */
export const RISK_CODES: ReadonlySet<string> = new Set([
  // Our risk engine or a channel rejected the payment as risky.
  'RISK_REJECTED',
  // Alipay: "支付有风险", the payment request carries risk; the buyer must use another way to pay.
  'PAYMENT_REQUEST_HAS_RISK',
  // Suspected fraud: a retry elsewhere would only look for a channel that misses it.
  'FRAUD_SUSPECTED',
  // Card reported lost: whoever holds it is likely not its owner.
  'CARD_LOST',
  // Card reported stolen: same.
  'CARD_STOLEN',
]);

export const NEVER_RETRIED_CODES: ReadonlySet<string> = new Set([
  // Every risk rejection is never retried, whatever its flag says.
  ...RISK_CODES,
  // The buyer typed the wrong SMS verification code: the buyer must type it again, not the system.
  'WRONG_SMS_CODE',
  // Wrong expiry date entered: every issuer-facing channel checks the same date.
  'WRONG_EXPIRY_DATE',
  // The card has expired: no channel can charge it.
  'CARD_EXPIRED',
  // The card number is invalid or unknown to the issuer.
  'INVALID_CARD',
  // The issuer froze, cancelled or has not activated the card.
  'CARD_STATUS_ABNORMAL',
  // Card details (name, id number, phone, CVV) do not match the issuer's.
  'WRONG_CARD_DETAILS',
  // The CVV does not match: a wrong card detail.
  'WRONG_CVV',
  // The PIN is wrong: retrying may lock the card.
  'WRONG_PIN',
  // Too many wrong PINs: the card is locked at the issuer.
  'PIN_TRIES_EXCEEDED',
  // Not enough money on the card or account: the balance is the same at every channel.
  'INSUFFICIENT_FUNDS',
  // Alipay: the buyer's balance is not enough.
  'BUYER_BALANCE_NOT_ENOUGH',
  // Alipay: the buyer's bank card balance is not enough.
  'BUYER_BANKCARD_BALANCE_NOT_ENOUGH',
  // Alipay: the buyer's payment code is invalid or expired; the buyer must show a new one.
  'PAYMENT_AUTH_CODE_INVALID',
  // Alipay: buyer and seller are the same account, a payment to oneself.
  'BUYER_SELLER_EQUAL',
  // Alipay: the paying buyer is not the buyer of this trade.
  'TRADE_BUYER_NOT_MATCH',
  // Alipay: the buyer's account status forbids paying (the account-level "card status abnormal").
  'BUYER_ENABLE_STATUS_FORBID',
  // Alipay: the buyer has not passed the central bank's identity certification.
  'ERROR_BUYER_CERTIFY_LEVEL_LIMIT',
  // Our request is malformed: the same request is malformed at the next channel too.
  'INVALID_PARAMETER',
  // Alipay: the trade number was used with other parameters, a bug of ours to fix, not to repeat.
  'CONTEXT_INCONSISTENT',
  // Alipay: the trade was in fact paid; a retry would charge the buyer twice.
  'TRADE_HAS_SUCCESS',
  // Alipay: the trade was paid and is finished; same.
  'TRADE_HAS_FINISHED',
]);

/** Whether the code is a risk rejection, in any of the spellings normalizeRetryCode accepts. */
export function isRiskCode(code: string): boolean {
  return RISK_CODES.has(normalizeRetryCode(code));
}

/** Whether no retry can fix the code, in any of the spellings normalizeRetryCode accepts. */
export function isNeverRetriedCode(code: string): boolean {
  return NEVER_RETRIED_CODES.has(normalizeRetryCode(code));
}

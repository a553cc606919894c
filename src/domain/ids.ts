/**
 * Identifiers derived from other identifiers. Deriving them (instead of storing random ones) is what
 * makes retries idempotent: the same order always maps to the same workflow, the same attempt always
 * sends the same trade number to the channel.
 */

/**
 * One workflow per (merchant, order): Temporal then refuses a second one for the same order.
 * merchantId must not contain '-': outTradeNo may, so with a '-' in merchantId two different
 * (merchant, order) pairs could share one workflow id ("a-b"+"c" vs "a"+"b-c").
 */
export function paymentWorkflowId(merchantId: string, outTradeNo: string): string {
  if (merchantId === '' || merchantId.includes('-')) {
    throw new RangeError(`merchantId must be non-empty and contain no '-': ${JSON.stringify(merchantId)}`);
  }
  if (outTradeNo === '') throw new RangeError('outTradeNo must be non-empty');
  return `payment-${merchantId}-${outTradeNo}`;
}

const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

/** 'pay_' + the uuid's 32 hex digits in lower case: short, URL-safe, and free of '-' (see channelOutTradeNo). */
export function paymentIdFromUuid(uuid: string): string {
  if (!UUID.test(uuid)) throw new RangeError(`Not a UUID: ${JSON.stringify(uuid)}`);
  return `pay_${uuid.replace(/-/g, '').toLowerCase()}`;
}

/** Characters a payment id may hold: no '-', which separates it from the attempt number. */
const PAYMENT_ID = /^[A-Za-z0-9_]+$/;
/** A positive decimal integer without leading zeros, so each attempt has exactly one spelling. */
const ATTEMPT_NO = /^[1-9][0-9]*$/;

/** The channel's out_trade_no for one attempt: every call for that attempt carries the same key. */
export function channelOutTradeNo(paymentId: string, attemptNo: number): string {
  if (!PAYMENT_ID.test(paymentId)) throw new RangeError(`Invalid paymentId: ${JSON.stringify(paymentId)}`);
  if (!Number.isSafeInteger(attemptNo) || attemptNo < 1)
    throw new RangeError(`Invalid attemptNo: ${attemptNo}`);
  return `${paymentId}-${attemptNo}`;
}

/** The inverse of channelOutTradeNo; null for anything it could not have produced (e.g. a forged notify). */
export function parseChannelOutTradeNo(s: string): { paymentId: string; attemptNo: number } | null {
  const dash = s.lastIndexOf('-');
  if (dash < 0) return null;
  const paymentId = s.slice(0, dash);
  const attemptText = s.slice(dash + 1);
  if (!PAYMENT_ID.test(paymentId) || !ATTEMPT_NO.test(attemptText)) return null;
  const attemptNo = Number(attemptText);
  return Number.isSafeInteger(attemptNo) ? { paymentId, attemptNo } : null;
}

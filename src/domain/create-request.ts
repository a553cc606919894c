import { parseRfc3339Millis } from './rfc3339';

/** What decides whether a repeated create is a replay of the first one (contract section 2). */
export interface CreateFingerprint {
  amount: number;
  currency: string;
  /** RFC 3339 */
  orderDeadline: string;
}

/**
 * Same (merchant, outTradeNo) replays must carry the same amount, currency and orderDeadline
 * (compared as instants, so "…Z" and "+08:00" forms of one instant are equal).
 * Identical deadline strings are equal even if unparseable, so a replay never fails on a form the
 * API accepted but this reader does not; otherwise an unparseable deadline is never "the same".
 */
export function sameCreateRequest(a: CreateFingerprint, b: CreateFingerprint): boolean {
  if (a.amount !== b.amount || a.currency !== b.currency) return false;
  if (a.orderDeadline === b.orderDeadline) return true;
  const ta = parseRfc3339Millis(a.orderDeadline);
  const tb = parseRfc3339Millis(b.orderDeadline);
  return ta !== null && ta === tb;
}

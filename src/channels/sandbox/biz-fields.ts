import { parseBeijingTime } from '../beijing-time';
import { parseDecimalString } from '../../domain/money';

/** Thrown for a malformed biz_content field; the gateway answers 40004 ACQ.INVALID_PARAMETER. */
export class InvalidBizParameter extends Error {}

const MERCHANT_NO = /^[A-Za-z0-9_-]{1,64}$/;
/** Alipay's single-trade ceiling: 100,000,000.00 yuan. */
const MAX_FEN = 10_000_000_000;

export function optionalString(biz: Record<string, unknown>, field: string): string | undefined {
  const value = biz[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidBizParameter(`${field} must be a string`);
  return value;
}

export function requiredString(biz: Record<string, unknown>, field: string, maxLength = 256): string {
  const value = optionalString(biz, field);
  if (value === undefined) throw new InvalidBizParameter(`${field} is required`);
  if (value.length > maxLength) throw new InvalidBizParameter(`${field} is longer than ${maxLength}`);
  return value;
}

/** out_trade_no / out_request_no: the merchant's own numbers. */
export function merchantNo(biz: Record<string, unknown>, field: string): string {
  const value = requiredString(biz, field);
  if (!MERCHANT_NO.test(value)) throw new InvalidBizParameter(`${field} must be 1-64 of A-Z a-z 0-9 _ -`);
  return value;
}

/** A yuan amount such as "19.99", in fen. */
export function yuanAmount(biz: Record<string, unknown>, field: string): number {
  const raw = biz[field];
  const fen = parseDecimalString(
    typeof raw === 'number' ? String(raw) : (optionalString(biz, field) ?? ''),
    'CNY',
  );
  if (fen === null || fen < 1 || fen > MAX_FEN) {
    throw new InvalidBizParameter(`${field} must be a yuan amount between 0.01 and 100000000.00`);
  }
  return fen;
}

/** time_expire `yyyy-MM-dd HH:mm:ss`, Beijing time. */
export function optionalBeijingTime(biz: Record<string, unknown>, field: string): Date | null {
  const text = optionalString(biz, field);
  if (text === undefined) return null;
  const at = parseBeijingTime(text);
  if (!at) throw new InvalidBizParameter(`${field} must be yyyy-MM-dd HH:mm:ss (Beijing time)`);
  return at;
}

import { parseDecimalString } from '../../domain/money';
import { parseBeijingTime } from '../beijing-time';

/** Alipay's field formats: readers for response nodes and notifies, and the amounts it accepts. */

export function text(fields: Record<string, unknown>, name: string): string | null {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A yuan amount ("19.99") in fen; null when missing or malformed. */
export function fen(fields: Record<string, unknown>, name: string): number | null {
  const value = text(fields, name);
  return value === null ? null : parseDecimalString(value, 'CNY');
}

/** A Beijing wall-clock time (`yyyy-MM-dd HH:mm:ss`) as an instant; null when missing or malformed. */
export function beijingInstant(fields: Record<string, unknown>, name: string): Date | null {
  const value = text(fields, name);
  return value === null ? null : parseBeijingTime(value);
}

/** Alipay takes positive CNY amounts only; anything else is refused before any call. */
export function amountRefusal(amount: number, currency: string): { code: string; message: string } | null {
  if (currency !== 'CNY')
    return { code: 'UNSUPPORTED_CURRENCY', message: `Alipay takes CNY, not ${currency}` };
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return { code: 'INVALID_AMOUNT', message: `not a positive amount of fen: ${amount}` };
  }
  return null;
}

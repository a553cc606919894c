/**
 * Money is an integer number of minor units plus an ISO 4217 currency (contract section 1).
 * Every conversion here works on digit strings and integers: no float ever touches an amount.
 */

/** The contract's upper bound; far below Number.MAX_SAFE_INTEGER, so sums of a few amounts stay exact. */
export const MAX_AMOUNT = 100_000_000_000;

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** A safe integer in [0, MAX_AMOUNT]; floats, NaN, strings and negatives are refused. */
export function isValidAmount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= MAX_AMOUNT;
}

/**
 * ISO 4217 minor-unit exponents of the currencies we accept. A currency missing here is refused
 * rather than guessed, because a wrong exponent scales the amount by 100 or more.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  // Two decimals.
  AED: 2,
  AUD: 2,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  MOP: 2,
  MXN: 2,
  MYR: 2,
  NOK: 2,
  NZD: 2,
  PHP: 2,
  PLN: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TRY: 2,
  TWD: 2,
  USD: 2,
  ZAR: 2,
  // No decimals.
  CLP: 0,
  ISK: 0,
  JPY: 0,
  KRW: 0,
  VND: 0,
  // Three decimals.
  BHD: 3,
  JOD: 3,
  KWD: 3,
  OMR: 3,
  TND: 3,
});

/** Exact, upper-case codes only: own keys, so `toString` or `cny` are not currencies. */
export function isSupportedCurrency(c: string): boolean {
  return Object.hasOwn(CURRENCY_EXPONENTS, c);
}

function exponentOf(currency: string): number {
  const exponent = isSupportedCurrency(currency) ? CURRENCY_EXPONENTS[currency] : undefined;
  if (exponent === undefined) throw new RangeError(`Unsupported currency: ${JSON.stringify(currency)}`);
  return exponent;
}

/**
 * Minor units to the major-unit decimal string channels expect: 1999 CNY -> "19.99",
 * 5 CNY -> "0.05", 100 JPY -> "100". Always exactly `exponent` decimals.
 * Throws RangeError on an invalid amount or unknown currency: callers validate first, so this is a bug.
 */
export function toDecimalString(amount: number, currency: string): string {
  const exponent = exponentOf(currency);
  if (!isValidAmount(amount)) throw new RangeError(`Invalid amount: ${String(amount)}`);
  if (exponent === 0) return String(amount);
  // Left-pad so there is at least one digit before the point ("5" -> "005" -> "0.05").
  const digits = String(amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Digits of MAX_AMOUNT; a longer (leading-zero-free) digit string is certainly too large. */
const MAX_AMOUNT_DIGITS = String(MAX_AMOUNT).length;

/**
 * A major-unit decimal string to minor units: "19.99" CNY -> 1999, "0.5" CNY -> 50.
 * Returns null for anything that is not a plain non-negative decimal with at most `exponent`
 * decimals (signs, exponents, spaces, "19.999", ".5", "5."), for an unknown currency and for
 * amounts outside isValidAmount. Extra decimals are refused even when they are zeros: a channel
 * that sends more precision than the currency has is not one whose amount we should round.
 */
export function parseDecimalString(s: string, currency: string): number | null {
  if (!isSupportedCurrency(currency)) return null;
  const exponent = exponentOf(currency);
  const match = DECIMAL.exec(s);
  if (match === null) return null;
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return null;
  const minorDigits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=[0-9])/, '');
  // Refuse long strings before Number() so precision is never lost on the way in.
  if (minorDigits.length > MAX_AMOUNT_DIGITS) return null;
  const amount = Number(minorDigits);
  return isValidAmount(amount) ? amount : null;
}

/**
 * Exact sum of integer amounts. Every term and every partial sum must be a safe integer: checking
 * only the result would miss a sum that lost precision on the way and came back into range.
 */
export function sumAmounts(amounts: readonly number[]): number {
  let total = 0;
  for (const amount of amounts) {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`Not an integer amount: ${String(amount)}`);
    total += amount;
    if (!Number.isSafeInteger(total)) throw new RangeError('Sum of amounts is not a safe integer');
  }
  return total;
}

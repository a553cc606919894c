/**
 * Deadlines and waiting. All functions take the current time as an argument so that workflow code
 * can pass its deterministic workflow clock, and tests can pass any instant.
 */

function timeOf(d: Date, what: string): number {
  const t = d.getTime();
  // An Invalid Date would turn every comparison false and every timer NaN; fail loudly instead.
  if (Number.isNaN(t)) throw new RangeError(`Invalid date: ${what}`);
  return t;
}

/** The payment never outlives its order: expiry IS the order deadline. */
export function expiresAtFor(orderDeadline: Date): Date {
  // A copy, so a caller mutating one Date cannot move the other.
  return new Date(timeOf(orderDeadline, 'orderDeadline'));
}

/** The workflow timer: deadline minus the time already elapsed, never negative. */
export function msUntil(expiresAt: Date, now: Date): number {
  return Math.max(0, timeOf(expiresAt, 'expiresAt') - timeOf(now, 'now'));
}

/** Expired from the deadline instant itself on: a payment at exactly `expiresAt` is too late. */
export function isExpired(expiresAt: Date, now: Date): boolean {
  return timeOf(now, 'now') >= timeOf(expiresAt, 'expiresAt');
}

export const DEFAULT_POLL_INITIAL_MS = 2_000;
export const DEFAULT_POLL_MAX_MS = 60_000;

/**
 * Poll backoff while awaiting a channel result: initialMs * 2^pollCount capped at maxMs, and never
 * past the deadline (capped at msLeft, min 0). Defaults 2 s doubling to 60 s.
 * Throws RangeError on a negative or fractional pollCount or a NaN/negative option: a bad
 * argument is a bug, and in a workflow a thrown error fails the task (retried) rather than the payment.
 */
export function nextPollDelayMs(
  pollCount: number,
  msLeft: number,
  opts?: { initialMs?: number; maxMs?: number },
): number {
  const initialMs = opts?.initialMs ?? DEFAULT_POLL_INITIAL_MS;
  const maxMs = opts?.maxMs ?? DEFAULT_POLL_MAX_MS;
  if (!Number.isSafeInteger(pollCount) || pollCount < 0)
    throw new RangeError(`Invalid pollCount: ${pollCount}`);
  if (!(initialMs >= 0) || !(maxMs >= 0)) throw new RangeError('Poll delays must be non-negative numbers');
  if (Number.isNaN(msLeft)) throw new RangeError('msLeft is NaN');
  // 2 ** pollCount overflows to Infinity for large counts, which min() absorbs; 0 * Infinity would
  // be NaN, hence the zero case apart.
  const backoff = initialMs === 0 ? 0 : Math.min(initialMs * 2 ** pollCount, maxMs);
  return Math.max(0, Math.min(backoff, msLeft));
}

import fc from 'fast-check';
import {
  DEFAULT_POLL_INITIAL_MS,
  DEFAULT_POLL_MAX_MS,
  expiresAtFor,
  isExpired,
  msUntil,
  nextPollDelayMs,
} from '../../../src/domain/expiry';

const deadline = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(deadline.getTime() + ms);
const instant = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((t) => new Date(t));

describe('expiresAtFor', () => {
  it('is the order deadline itself', () => {
    expect(expiresAtFor(deadline).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('returns a copy, so mutating one does not move the other', () => {
    const d = new Date(deadline);
    const expiresAt = expiresAtFor(d);
    expect(expiresAt).not.toBe(d);
    d.setUTCFullYear(2040);
    expect(expiresAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('throws on an invalid date', () => {
    expect(() => expiresAtFor(new Date('nope'))).toThrow(RangeError);
  });
});

describe('msUntil', () => {
  it('is the time left before the deadline', () => {
    expect(msUntil(deadline, at(-90_000))).toBe(90_000);
    expect(msUntil(deadline, at(-1))).toBe(1);
  });

  it('is 0 at and after the deadline, never negative', () => {
    expect(msUntil(deadline, deadline)).toBe(0);
    expect(msUntil(deadline, at(1))).toBe(0);
    expect(msUntil(deadline, at(86_400_000))).toBe(0);
  });

  it('throws on invalid dates', () => {
    expect(() => msUntil(new Date(NaN), deadline)).toThrow(RangeError);
    expect(() => msUntil(deadline, new Date(NaN))).toThrow(RangeError);
  });

  it('is never negative and adds up to the deadline while before it', () => {
    fc.assert(
      fc.property(instant, instant, (expiresAt, now) => {
        const left = msUntil(expiresAt, now);
        expect(left).toBeGreaterThanOrEqual(0);
        if (now < expiresAt) expect(now.getTime() + left).toBe(expiresAt.getTime());
        else expect(left).toBe(0);
      }),
    );
  });
});

describe('isExpired', () => {
  it('is false before the deadline, true at it and after', () => {
    expect(isExpired(deadline, at(-1))).toBe(false);
    expect(isExpired(deadline, deadline)).toBe(true);
    expect(isExpired(deadline, at(1))).toBe(true);
  });

  it('throws on invalid dates', () => {
    expect(() => isExpired(new Date(NaN), deadline)).toThrow(RangeError);
  });

  it('is expired exactly when no time is left', () => {
    fc.assert(
      fc.property(instant, instant, (expiresAt, now) => {
        expect(isExpired(expiresAt, now)).toBe(msUntil(expiresAt, now) === 0);
      }),
    );
  });
});

describe('nextPollDelayMs', () => {
  const plenty = 24 * 3_600_000;

  it('defaults to 2 s doubling up to 60 s', () => {
    expect(DEFAULT_POLL_INITIAL_MS).toBe(2_000);
    expect(DEFAULT_POLL_MAX_MS).toBe(60_000);
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((n) => nextPollDelayMs(n, plenty))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('never waits past the deadline', () => {
    expect(nextPollDelayMs(0, 1_500)).toBe(1_500);
    expect(nextPollDelayMs(10, 10_000)).toBe(10_000);
    expect(nextPollDelayMs(3, 0)).toBe(0);
    expect(nextPollDelayMs(3, -5_000)).toBe(0);
  });

  it('takes options', () => {
    expect(nextPollDelayMs(0, plenty, { initialMs: 500 })).toBe(500);
    expect(nextPollDelayMs(3, plenty, { initialMs: 500, maxMs: 3_000 })).toBe(3_000);
    expect(nextPollDelayMs(1, plenty, { maxMs: 1_000 })).toBe(1_000);
    expect(nextPollDelayMs(2_000, plenty, { initialMs: 0 })).toBe(0);
  });

  it('survives huge poll counts without overflowing to NaN or Infinity', () => {
    expect(nextPollDelayMs(10_000, plenty)).toBe(60_000);
    expect(nextPollDelayMs(Number.MAX_SAFE_INTEGER, plenty)).toBe(60_000);
    expect(nextPollDelayMs(10_000, Infinity)).toBe(60_000);
  });

  it.each([[-1], [1.5], [NaN], [Infinity]])('throws on pollCount %p', (n) => {
    expect(() => nextPollDelayMs(n, plenty)).toThrow(RangeError);
  });

  it('throws on NaN msLeft or negative options', () => {
    expect(() => nextPollDelayMs(0, NaN)).toThrow(RangeError);
    expect(() => nextPollDelayMs(0, plenty, { initialMs: -1 })).toThrow(RangeError);
    expect(() => nextPollDelayMs(0, plenty, { maxMs: NaN })).toThrow(RangeError);
  });

  it('stays within [0, min(maxMs, msLeft)] and never shrinks as polls go on', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 200 }),
        fc.integer({ min: -1_000_000, max: 100_000_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (n, msLeft, initialMs, maxMs) => {
          const opts = { initialMs, maxMs };
          const delay = nextPollDelayMs(n, msLeft, opts);
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.max(0, Math.min(maxMs, msLeft)));
          expect(nextPollDelayMs(n + 1, msLeft, opts)).toBeGreaterThanOrEqual(delay);
          if (msLeft >= maxMs && initialMs * 2 ** n <= maxMs) expect(delay).toBe(initialMs * 2 ** n);
        },
      ),
    );
  });
});

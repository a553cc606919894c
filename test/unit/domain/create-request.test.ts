import fc from 'fast-check';
import { sameCreateRequest, type CreateFingerprint } from '../../../src/domain/create-request';

const base: CreateFingerprint = { amount: 1999, currency: 'CNY', orderDeadline: '2030-01-01T00:00:00Z' };

describe('sameCreateRequest', () => {
  it('is true for an identical replay', () => {
    expect(sameCreateRequest(base, { ...base })).toBe(true);
  });

  it.each([
    ['2030-01-01T08:00:00+08:00'],
    ['2030-01-01T00:00:00.000Z'],
    ['2029-12-31T19:00:00-05:00'],
    ['2030-01-01T00:00:00.000400Z'],
  ])('treats %s as the same deadline as 2030-01-01T00:00:00Z', (orderDeadline) => {
    expect(sameCreateRequest(base, { ...base, orderDeadline })).toBe(true);
    expect(sameCreateRequest({ ...base, orderDeadline }, base)).toBe(true);
  });

  it.each([
    [{ amount: 2000 }],
    [{ amount: 0 }],
    [{ currency: 'USD' }],
    [{ currency: 'cny' }],
    [{ orderDeadline: '2030-01-01T00:00:00.001Z' }],
    [{ orderDeadline: '2030-01-01T00:00:00+08:00' }],
    [{ orderDeadline: '2030-01-01T00:00:01Z' }],
  ])('is false when %p differs', (change) => {
    expect(sameCreateRequest(base, { ...base, ...change })).toBe(false);
  });

  it('treats identical unparseable deadlines as the same, different ones as not', () => {
    const odd = { ...base, orderDeadline: 'not a date' };
    expect(sameCreateRequest(odd, { ...odd })).toBe(true);
    expect(sameCreateRequest(odd, { ...base, orderDeadline: 'not a date either' })).toBe(false);
    expect(sameCreateRequest(odd, base)).toBe(false);
  });

  it('never reads an offset-less deadline in the local time zone', () => {
    expect(sameCreateRequest(base, { ...base, orderDeadline: '2030-01-01T00:00:00' })).toBe(false);
  });

  it('is reflexive and symmetric', () => {
    const fingerprint = fc.record({
      amount: fc.integer({ min: 0, max: 5 }),
      currency: fc.constantFrom('CNY', 'USD'),
      orderDeadline: fc
        .integer({ min: Date.UTC(2030, 0, 1), max: Date.UTC(2030, 0, 1) + 3 })
        .map((t) => new Date(t).toISOString()),
    });
    fc.assert(
      fc.property(fingerprint, fingerprint, (a, b) => {
        expect(sameCreateRequest(a, a)).toBe(true);
        expect(sameCreateRequest(a, b)).toBe(sameCreateRequest(b, a));
        expect(sameCreateRequest(a, b)).toBe(
          a.amount === b.amount && a.currency === b.currency && a.orderDeadline === b.orderDeadline,
        );
      }),
    );
  });
});

import fc from 'fast-check';
import {
  adjacentDay,
  beijingDayBounds,
  classify,
  differenceKeys,
  isPlainPaymentMatch,
  isPlainRefundMatch,
  parseOrphanPolicy,
  previousBeijingDay,
  repairFor,
  type BillSide,
  type Candidate,
  type LocalAttempt,
  type LocalRefund,
} from '../../../../src/domain/reconciliation';

const day = { ...beijingDayBounds('2026-12-01'), midnightWindowMs: 10 * 60_000 };
const bill = (o: Partial<BillSide> = {}): BillSide => ({
  kind: 'PAYMENT',
  channelTradeNo: '2026120122001',
  outTradeNo: 'pay_a-1',
  outRefundNo: null,
  amount: 1000,
  ...o,
});
const attempt = (o: Partial<LocalAttempt> = {}): LocalAttempt => ({
  paymentId: 'pay_a',
  attemptNo: 1,
  paymentStatus: 'SUCCEEDED',
  attemptStatus: 'SUCCEEDED',
  amount: 1000,
  lateRecorded: false,
  ...o,
});
const refund = (o: Partial<LocalRefund> = {}): LocalRefund => ({
  refundId: 'ref_1',
  paymentId: 'pay_a',
  status: 'SUCCEEDED',
  amount: 400,
  ...o,
});
const typeOf = (c: Candidate, adj?: boolean): string => {
  const v = classify(c, day, adj);
  return v.outcome === 'DIFFERENCE' ? v.type : v.outcome;
};

describe('bill payment rows', () => {
  test.each<[string, LocalAttempt | null, number, string]>([
    ['the success', attempt(), 1000, 'MATCHED'],
    [
      'late money we recorded',
      attempt({ attemptStatus: 'CLOSED', paymentStatus: 'CLOSED', lateRecorded: true }),
      1000,
      'MATCHED',
    ],
    ['an orphan', null, 1000, 'CHANNEL_ONLY'],
    ['another amount', attempt(), 999, 'AMOUNT_MISMATCH'],
    [
      'a lost notify',
      attempt({ attemptStatus: 'PROCESSING', paymentStatus: 'PROCESSING' }),
      1000,
      'CHANNEL_ONLY',
    ],
    [
      'money after close',
      attempt({ attemptStatus: 'CLOSED', paymentStatus: 'CLOSED' }),
      1000,
      'CHANNEL_ONLY',
    ],
    ['a second paid attempt', attempt({ attemptNo: 2, attemptStatus: 'FAILED' }), 1000, 'DUPLICATE_PAYMENT'],
  ])('%s', (_, local, amount, expected) => {
    expect(typeOf({ side: 'CHANNEL_PAYMENT', bill: bill({ amount }), local })).toBe(expected);
  });
});

describe('bill refund rows', () => {
  const r = bill({ kind: 'REFUND', outRefundNo: 'ref_1', amount: 400 });
  test.each<[string, LocalRefund | null, boolean, string]>([
    ['our refund', refund(), false, 'MATCHED'],
    ['unknown', null, false, 'CHANNEL_ONLY'],
    ['our orphan refund', null, true, 'MATCHED'],
    ['failed here', refund({ status: 'FAILED' }), false, 'STATUS_MISMATCH'],
    ['processing here', refund({ status: 'PROCESSING' }), false, 'STATUS_MISMATCH'],
    ['another amount', refund({ amount: 300 }), false, 'AMOUNT_MISMATCH'],
  ])('%s', (_, local, ours, expected) => {
    expect(typeOf({ side: 'CHANNEL_REFUND', bill: r, local, ourOrphanRefund: ours })).toBe(expected);
  });
});

describe('record rows the bill lacks (midnight rule)', () => {
  const local = (at: Date): Candidate => ({
    side: 'LOCAL_PAYMENT',
    local: attempt(),
    channelOutTradeNo: 'pay_a-1',
    at,
  });
  const noon = new Date(day.start.getTime() + 12 * 3600_000);
  test('mid-day: LOCAL_ONLY at once', () => expect(typeOf(local(noon))).toBe('LOCAL_ONLY'));
  test('just after midnight: the previous day is asked first', () => {
    expect(classify(local(new Date(day.start.getTime() + 60_000)), day)).toEqual({
      outcome: 'CHECK_ADJACENT_DAY',
      day: 'PREVIOUS',
    });
  });
  test('just before midnight: the next day; found there is no difference, missing there is', () => {
    const late = local(new Date(day.end.getTime() - 1_000));
    expect(classify(late, day)).toMatchObject({ day: 'NEXT' });
    expect(typeOf(late, true)).toBe('MATCHED');
    expect(typeOf(late, false)).toBe('LOCAL_ONLY');
  });
});

describe('repairs', () => {
  test('a lost notify and a duplicate go to the payment; an orphan by policy; the rest stay open', () => {
    const known: Candidate = { side: 'CHANNEL_PAYMENT', bill: bill(), local: attempt() };
    const orphan: Candidate = { side: 'CHANNEL_PAYMENT', bill: bill(), local: null };
    expect(repairFor('CHANNEL_ONLY', known, 'OPEN')).toBe('DELIVER_NOTICE');
    expect(repairFor('DUPLICATE_PAYMENT', known, 'OPEN')).toBe('DELIVER_NOTICE');
    expect(repairFor('CHANNEL_ONLY', orphan, 'OPEN')).toBe('NONE');
    expect(repairFor('CHANNEL_ONLY', orphan, 'REFUND')).toBe('REFUND_ORPHAN');
    expect(repairFor('AMOUNT_MISMATCH', known, 'REFUND')).toBe('NONE');
  });
  test('orphan policy parsing', () => {
    expect(parseOrphanPolicy(undefined)).toBe('OPEN');
    expect(parseOrphanPolicy('refund')).toBe('REFUND');
    expect(() => parseOrphanPolicy('yes')).toThrow(RangeError);
  });
});

test('days: bounds in Beijing time, yesterday, adjacent days', () => {
  expect(day.start.toISOString()).toBe('2026-11-30T16:00:00.000Z');
  expect(previousBeijingDay(new Date('2026-12-01T17:00:00Z'))).toBe('2026-12-01');
  expect(previousBeijingDay(new Date('2026-12-01T15:59:59Z'))).toBe('2026-11-30');
  expect(adjacentDay('2026-03-01', 'PREVIOUS')).toBe('2026-02-28');
  expect(() => beijingDayBounds('2026-02-30')).toThrow(RangeError);
});

// Properties over arbitrary pairs.
const arbAttempt = fc.record({
  paymentId: fc.constantFrom('pay_a', 'pay_b'),
  attemptNo: fc.integer({ min: 1, max: 3 }),
  paymentStatus: fc.constantFrom('SUCCEEDED', 'CLOSED', 'PROCESSING', 'UNKNOWN', 'FAILED'),
  attemptStatus: fc.constantFrom('SUCCEEDED', 'CLOSED', 'PROCESSING', 'UNKNOWN', 'FAILED', 'REVERSED'),
  amount: fc.integer({ min: 1, max: 5 }),
  lateRecorded: fc.boolean(),
});
const arbBill = fc.record({
  kind: fc.constantFrom<'PAYMENT' | 'REFUND'>('PAYMENT', 'REFUND'),
  channelTradeNo: fc.string({ minLength: 1, maxLength: 6 }),
  outTradeNo: fc.string({ minLength: 1, maxLength: 6 }),
  outRefundNo: fc.option(fc.string({ minLength: 1, maxLength: 6 })),
  amount: fc.integer({ min: 1, max: 5 }),
});
const arbRefund = fc.record({
  refundId: fc.constant('ref_x'),
  paymentId: fc.constant('pay_a'),
  status: fc.constantFrom<LocalRefund['status']>('PROCESSING', 'SUCCEEDED', 'FAILED'),
  amount: fc.integer({ min: 1, max: 5 }),
});

test('property: a bill payment row is MATCHED exactly when the SQL predicate says so', () => {
  fc.assert(
    fc.property(arbBill, fc.option(arbAttempt), (b, local) => {
      const v = classify({ side: 'CHANNEL_PAYMENT', bill: b, local }, day);
      expect(v.outcome === 'MATCHED').toBe(isPlainPaymentMatch(b, local));
      // Different amounts are never matched, and money with no attempt of ours is CHANNEL_ONLY.
      if (local && local.amount !== b.amount) expect(v).toMatchObject({ type: 'AMOUNT_MISMATCH' });
      if (!local) expect(v).toMatchObject({ type: 'CHANNEL_ONLY' });
    }),
  );
});

test('property: a bill refund row is MATCHED only for a SUCCEEDED refund of that amount (or our orphan refund)', () => {
  fc.assert(
    fc.property(arbBill, fc.option(arbRefund), fc.boolean(), (b, local, ours) => {
      const v = classify({ side: 'CHANNEL_REFUND', bill: b, local, ourOrphanRefund: ours }, day);
      expect(v.outcome === 'MATCHED').toBe(isPlainRefundMatch(b, local) || (!local && ours));
    }),
  );
});

test('property: a record row the bill lacks is never silently dropped mid-day', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 24 * 3600_000 - 1 }),
      fc.option(fc.boolean(), { nil: undefined }),
      (ms, adj) => {
        const at = new Date(day.start.getTime() + ms);
        const v = classify({ side: 'LOCAL_REFUND', local: refund(), outRequestNo: 'ref_1', at }, day, adj);
        const nearMidnight = ms < day.midnightWindowMs || 24 * 3600_000 - ms <= day.midnightWindowMs;
        if (!nearMidnight) expect(v).toMatchObject({ type: 'LOCAL_ONLY' });
        if (nearMidnight && adj === undefined) expect(v.outcome).toBe('CHECK_ADJACENT_DAY');
        if (nearMidnight && adj !== undefined) expect(v.outcome).toBe(adj ? 'MATCHED' : 'DIFFERENCE');
      },
    ),
  );
});

test('property: difference keys do not depend on anything but the finding; repair keys name the trade', () => {
  fc.assert(
    fc.property(arbBill, fc.option(arbAttempt), (b, local) => {
      const c: Candidate = { side: 'CHANNEL_PAYMENT', bill: b, local };
      const k1 = differenceKeys('sandbox', 'CHANNEL_ONLY', c);
      const k2 = differenceKeys('sandbox', 'DUPLICATE_PAYMENT', { ...c, local: null });
      expect(k1.repairKey).toBe(k2.repairKey);
      expect(k1.differenceKey).not.toBe(k2.differenceKey);
      expect(k1).toEqual(differenceKeys('sandbox', 'CHANNEL_ONLY', { ...c }));
    }),
  );
});

import fc from 'fast-check';
import {
  assertRefundTransition,
  autoOutRefundNo,
  autoRefundWorkflowId,
  availableToRefund,
  canTransitionRefund,
  IllegalRefundTransitionError,
  isReservedOutRefundNo,
  isSettledRefund,
  REFUND_STATUSES,
  REFUND_TRANSITIONS,
  refundIdFromUuid,
  refundRefusal,
  refundRetryDelayMs,
  refundWorkflowId,
  sameRefundRequest,
  type RefundStatus,
} from '../../../src/domain/refund';
import { PAYMENT_STATUSES } from '../../../src/domain/payment-status';

const status = fc.constantFrom(...REFUND_STATUSES);

describe('REFUND_TRANSITIONS', () => {
  it('is exactly the agreed table', () => {
    expect(REFUND_TRANSITIONS).toEqual({
      PROCESSING: ['SUCCEEDED', 'FAILED'],
      SUCCEEDED: [],
      FAILED: ['PROCESSING'],
    });
  });

  it('never leaves SUCCEEDED: money that went back stays back', () => {
    for (const to of REFUND_STATUSES) expect(canTransitionRefund('SUCCEEDED', to)).toBe(false);
  });

  it('FAILED only goes back to PROCESSING (operator retry), never straight to SUCCEEDED', () => {
    expect(canTransitionRefund('FAILED', 'PROCESSING')).toBe(true);
    expect(canTransitionRefund('FAILED', 'SUCCEEDED')).toBe(false);
  });

  it('staying put is not a transition', () => {
    fc.assert(fc.property(status, (s) => !canTransitionRefund(s, s)));
  });

  it('assertRefundTransition agrees with canTransitionRefund', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        if (canTransitionRefund(from, to)) {
          expect(() => assertRefundTransition(from, to)).not.toThrow();
        } else {
          expect(() => assertRefundTransition(from, to)).toThrow(IllegalRefundTransitionError);
        }
      }),
    );
  });

  it('refuses names that are not statuses, including inherited ones', () => {
    expect(canTransitionRefund('toString' as RefundStatus, 'PROCESSING')).toBe(false);
    expect(canTransitionRefund('PENDING' as RefundStatus, 'SUCCEEDED')).toBe(false);
  });

  it('settled means the channel gave its final word', () => {
    expect(REFUND_STATUSES.filter(isSettledRefund)).toEqual(['SUCCEEDED', 'FAILED']);
  });
});

describe('the refundable-amount rule', () => {
  const paid = { status: 'SUCCEEDED' as const, amount: 1999, refundReserved: 0 };

  it('refunds a succeeded payment in full or in parts', () => {
    expect(refundRefusal(paid, 1999)).toBeNull();
    expect(refundRefusal(paid, 1)).toBeNull();
    expect(refundRefusal({ ...paid, refundReserved: 1000 }, 999)).toBeNull();
  });

  it('refuses what would take refunds past the amount', () => {
    expect(refundRefusal(paid, 2000)).toBe('REFUND_EXCEEDS_AVAILABLE');
    expect(refundRefusal({ ...paid, refundReserved: 1000 }, 1000)).toBe('REFUND_EXCEEDS_AVAILABLE');
    expect(refundRefusal({ ...paid, refundReserved: 1999 }, 1)).toBe('REFUND_EXCEEDS_AVAILABLE');
    expect(refundRefusal({ ...paid, amount: 0 }, 1)).toBe('REFUND_EXCEEDS_AVAILABLE');
  });

  it('refuses zero, negative and fractional amounts', () => {
    for (const amount of [0, -1, 1.5, Number.NaN]) {
      expect(refundRefusal(paid, amount)).toBe('REFUND_EXCEEDS_AVAILABLE');
    }
  });

  it('only a SUCCEEDED payment is refunded, whatever the amount', () => {
    for (const s of PAYMENT_STATUSES.filter((x) => x !== 'SUCCEEDED')) {
      expect(refundRefusal({ ...paid, status: s }, 1)).toBe('PAYMENT_NOT_SUCCEEDED');
    }
  });

  it('any sequence of accepted reservations stays within the amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.integer({ min: -5, max: 50_000 }), { maxLength: 60 }),
        (amount, requests) => {
          let reserved = 0;
          for (const r of requests) {
            const refusal = refundRefusal({ status: 'SUCCEEDED', amount, refundReserved: reserved }, r);
            if (refusal === null) {
              expect(r).toBeLessThanOrEqual(availableToRefund({ amount, refundReserved: reserved }));
              reserved += r;
            }
            expect(reserved).toBeLessThanOrEqual(amount);
          }
        },
      ),
    );
  });

  it('availableToRefund never goes negative', () => {
    expect(availableToRefund({ amount: 100, refundReserved: 30 })).toBe(70);
    expect(availableToRefund({ amount: 100, refundReserved: 130 })).toBe(0);
  });

  it('a replay is the same refund when it asks for the same amount', () => {
    expect(sameRefundRequest({ amount: 500 }, { amount: 500 })).toBe(true);
    expect(sameRefundRequest({ amount: 500 }, { amount: 501 })).toBe(false);
  });
});

describe('refund identifiers', () => {
  it('refund ids are ref_ + 32 lower-case hex digits', () => {
    expect(refundIdFromUuid('0190F2A4-7B3C-7D8E-9F00-112233445566')).toBe(
      'ref_0190f2a47b3c7d8e9f00112233445566',
    );
    expect(() => refundIdFromUuid('not-a-uuid')).toThrow(RangeError);
  });

  it('workflow ids: refund-<paymentId>-<outRefundNo>, automatic ones refund-<paymentId>-auto-<attemptNo>', () => {
    const pay = 'pay_0123456789abcdef0123456789abcdef';
    expect(refundWorkflowId(pay, 'R-1')).toBe(`refund-${pay}-R-1`);
    expect(autoRefundWorkflowId(pay, 2)).toBe(`refund-${pay}-auto-2`);
    expect(autoOutRefundNo(3)).toBe('auto-3');
    expect(() => autoOutRefundNo(0)).toThrow(RangeError);
    expect(() => refundWorkflowId('pay-x', 'R')).toThrow(RangeError);
    expect(() => refundWorkflowId(pay, '')).toThrow(RangeError);
  });

  it('reserves the auto- prefix, so a merchant refund never takes an automatic refund workflow id', () => {
    expect(isReservedOutRefundNo(autoOutRefundNo(1))).toBe(true);
    expect(isReservedOutRefundNo('R-auto-1')).toBe(false);
    expect(isReservedOutRefundNo('AUTO-1')).toBe(false);
  });
});

describe('refundRetryDelayMs', () => {
  const o = { initialMs: 1_000, maxMs: 60_000 };

  it('doubles from initialMs and stops at maxMs', () => {
    expect([0, 1, 2, 3, 5, 6, 7, 100].map((s) => refundRetryDelayMs(s, o))).toEqual([
      1_000, 2_000, 4_000, 8_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('is always within [0, maxMs] and never decreases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (step) => {
        const d = refundRetryDelayMs(step, o);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(o.maxMs);
        expect(refundRetryDelayMs(step + 1, o)).toBeGreaterThanOrEqual(d);
      }),
    );
  });
});

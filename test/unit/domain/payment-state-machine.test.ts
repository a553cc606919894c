import fc from 'fast-check';
import { IllegalTransitionError } from '../../../src/domain/domain-errors';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../../src/domain/payment-status';
import {
  PAYMENT_TRANSITIONS,
  TERMINAL_PAYMENT_STATUSES,
  assertPaymentTransition,
  canTransitionPayment,
  closeRefusal,
  isTerminalPayment,
  payAgainRefusal,
} from '../../../src/domain/payment-state-machine';

const INITIAL: PaymentStatus = 'CREATED';
const status = fc.constantFrom(...PAYMENT_STATUSES);

function reachableFrom(start: PaymentStatus): Set<PaymentStatus> {
  const seen = new Set<PaymentStatus>([start]);
  const queue = [start];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const next of PAYMENT_TRANSITIONS[s]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('PAYMENT_TRANSITIONS', () => {
  it('is exactly the agreed table', () => {
    expect(PAYMENT_TRANSITIONS).toEqual({
      CREATED: ['PROCESSING', 'UNKNOWN', 'AWAITING_RETRY', 'SUCCEEDED', 'FAILED', 'CLOSED'],
      PROCESSING: ['UNKNOWN', 'AWAITING_RETRY', 'SUCCEEDED', 'FAILED', 'CLOSED'],
      UNKNOWN: ['PROCESSING', 'AWAITING_RETRY', 'SUCCEEDED', 'FAILED', 'CLOSED'],
      AWAITING_RETRY: ['PROCESSING', 'FAILED', 'CLOSED'],
      SUCCEEDED: [],
      FAILED: [],
      CLOSED: [],
    });
  });

  it('mentions only known statuses, has a row for each, and no self-loops or duplicates', () => {
    expect(Object.keys(PAYMENT_TRANSITIONS).sort()).toEqual([...PAYMENT_STATUSES].sort());
    for (const [from, targets] of Object.entries(PAYMENT_TRANSITIONS)) {
      for (const to of targets) expect(PAYMENT_STATUSES).toContain(to);
      expect(targets).not.toContain(from);
      expect(new Set(targets).size).toBe(targets.length);
    }
  });

  it('reaches every status from CREATED', () => {
    expect([...reachableFrom(INITIAL)].sort()).toEqual([...PAYMENT_STATUSES].sort());
  });

  it('never leads back to CREATED', () => {
    for (const targets of Object.values(PAYMENT_TRANSITIONS)) expect(targets).not.toContain('CREATED');
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(PAYMENT_TRANSITIONS)).toBe(true);
    for (const targets of Object.values(PAYMENT_TRANSITIONS)) expect(Object.isFrozen(targets)).toBe(true);
  });
});

describe('terminal statuses', () => {
  it('are SUCCEEDED, FAILED and CLOSED', () => {
    expect([...TERMINAL_PAYMENT_STATUSES].sort()).toEqual(['CLOSED', 'FAILED', 'SUCCEEDED']);
  });

  it.each(PAYMENT_STATUSES.map((s) => [s]))('%s is terminal exactly when it has no way out', (s) => {
    expect(isTerminalPayment(s)).toBe(PAYMENT_TRANSITIONS[s].length === 0);
  });
});

describe('canTransitionPayment / assertPaymentTransition', () => {
  it.each([
    ['CREATED', 'PROCESSING'],
    ['CREATED', 'SUCCEEDED'],
    ['PROCESSING', 'AWAITING_RETRY'],
    ['UNKNOWN', 'PROCESSING'],
    ['UNKNOWN', 'SUCCEEDED'],
    ['AWAITING_RETRY', 'PROCESSING'],
    ['AWAITING_RETRY', 'CLOSED'],
  ] as const)('allows %s -> %s', (from, to) => {
    expect(canTransitionPayment(from, to)).toBe(true);
    expect(() => assertPaymentTransition(from, to)).not.toThrow();
  });

  it.each([
    ['SUCCEEDED', 'CLOSED'],
    ['SUCCEEDED', 'FAILED'],
    ['CLOSED', 'SUCCEEDED'],
    ['FAILED', 'PROCESSING'],
    ['PROCESSING', 'CREATED'],
    ['AWAITING_RETRY', 'SUCCEEDED'],
    ['AWAITING_RETRY', 'UNKNOWN'],
    ['PROCESSING', 'PROCESSING'],
    ['CLOSED', 'CLOSED'],
  ] as const)('refuses %s -> %s', (from, to) => {
    expect(canTransitionPayment(from, to)).toBe(false);
    expect(() => assertPaymentTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('reports the refused move in the error', () => {
    expect.assertions(4);
    try {
      assertPaymentTransition('SUCCEEDED', 'CLOSED');
    } catch (err) {
      expect(err).toBeInstanceOf(IllegalTransitionError);
      const e = err as IllegalTransitionError;
      expect(e.entity).toBe('payment');
      expect(e.from).toBe('SUCCEEDED');
      expect(e.to).toBe('CLOSED');
    }
  });

  it('refuses statuses that are not statuses', () => {
    const bogus = 'toString' as PaymentStatus;
    expect(canTransitionPayment(bogus, 'CLOSED')).toBe(false);
    expect(canTransitionPayment('CREATED', bogus)).toBe(false);
  });

  it('agrees with the table, and asserts exactly when it refuses, for any pair', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const allowed = canTransitionPayment(from, to);
        expect(allowed).toBe(PAYMENT_TRANSITIONS[from].includes(to));
        if (from === to) expect(allowed).toBe(false);
        if (allowed) expect(() => assertPaymentTransition(from, to)).not.toThrow();
        else expect(() => assertPaymentTransition(from, to)).toThrow(IllegalTransitionError);
      }),
    );
  });

  it('never leaves a terminal status, whatever sequence of moves is requested', () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 40 }), (requested) => {
        let current: PaymentStatus = INITIAL;
        let terminalAt: PaymentStatus | null = null;
        const reachable = reachableFrom(INITIAL);
        for (const to of requested) {
          if (canTransitionPayment(current, to)) current = to;
          expect(reachable.has(current)).toBe(true);
          if (terminalAt !== null) expect(current).toBe(terminalAt);
          if (isTerminalPayment(current)) terminalAt = current;
        }
      }),
    );
  });
});

describe('payAgainRefusal', () => {
  it.each([
    ['AWAITING_RETRY', null],
    ['SUCCEEDED', 'PAYMENT_ALREADY_SUCCEEDED'],
    ['PROCESSING', 'PAYMENT_IN_PROGRESS'],
    ['CREATED', 'PAYMENT_IN_PROGRESS'],
    ['UNKNOWN', 'PAYMENT_STATUS_UNKNOWN'],
    ['FAILED', 'PAYMENT_CLOSED'],
    ['CLOSED', 'PAYMENT_CLOSED'],
  ] as const)('%s -> %p', (s, expected) => {
    expect(payAgainRefusal(s)).toBe(expected);
  });

  it('allows a new attempt only where the table allows AWAITING_RETRY -> PROCESSING', () => {
    for (const s of PAYMENT_STATUSES) {
      if (payAgainRefusal(s) === null) expect(canTransitionPayment(s, 'PROCESSING')).toBe(true);
    }
  });
});

describe('closeRefusal', () => {
  it.each([
    ['CREATED', null],
    ['PROCESSING', null],
    ['UNKNOWN', null],
    ['AWAITING_RETRY', null],
    ['CLOSED', null],
    ['SUCCEEDED', 'PAYMENT_ALREADY_SUCCEEDED'],
    ['FAILED', 'PAYMENT_CLOSED'],
  ] as const)('%s -> %p', (s, expected) => {
    expect(closeRefusal(s)).toBe(expected);
  });

  it('allows a close only where CLOSED is reachable in one move, or already reached', () => {
    for (const s of PAYMENT_STATUSES) {
      if (closeRefusal(s) === null) expect(s === 'CLOSED' || canTransitionPayment(s, 'CLOSED')).toBe(true);
    }
  });
});

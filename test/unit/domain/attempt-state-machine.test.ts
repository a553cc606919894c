import fc from 'fast-check';
import {
  ATTEMPT_TRANSITIONS,
  assertAttemptTransition,
  canTransitionAttempt,
  isFinalAttempt,
} from '../../../src/domain/attempt-state-machine';
import { IllegalTransitionError } from '../../../src/domain/domain-errors';
import { ATTEMPT_STATUSES, type AttemptStatus } from '../../../src/domain/payment-status';

/** An attempt exists from the moment a trade is requested at the channel. */
const INITIAL: AttemptStatus = 'PROCESSING';
const status = fc.constantFrom(...ATTEMPT_STATUSES);
const FINAL = ['SUCCEEDED', 'FAILED', 'CLOSED', 'REVERSED'] as const;

function reachableFrom(start: AttemptStatus): Set<AttemptStatus> {
  const seen = new Set<AttemptStatus>([start]);
  const queue = [start];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const next of ATTEMPT_TRANSITIONS[s]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('ATTEMPT_TRANSITIONS', () => {
  it('is exactly the agreed table', () => {
    expect(ATTEMPT_TRANSITIONS).toEqual({
      PROCESSING: ['UNKNOWN', 'SUCCEEDED', 'FAILED', 'CLOSED', 'REVERSED'],
      UNKNOWN: ['PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED', 'REVERSED'],
      SUCCEEDED: [],
      FAILED: [],
      CLOSED: [],
      REVERSED: [],
    });
  });

  it('mentions only known statuses, has a row for each, and no self-loops or duplicates', () => {
    expect(Object.keys(ATTEMPT_TRANSITIONS).sort()).toEqual([...ATTEMPT_STATUSES].sort());
    for (const [from, targets] of Object.entries(ATTEMPT_TRANSITIONS)) {
      for (const to of targets) expect(ATTEMPT_STATUSES).toContain(to);
      expect(targets).not.toContain(from);
      expect(new Set(targets).size).toBe(targets.length);
    }
  });

  it('reaches every status from PROCESSING', () => {
    expect([...reachableFrom(INITIAL)].sort()).toEqual([...ATTEMPT_STATUSES].sort());
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(ATTEMPT_TRANSITIONS)).toBe(true);
    for (const targets of Object.values(ATTEMPT_TRANSITIONS)) expect(Object.isFrozen(targets)).toBe(true);
  });
});

describe('isFinalAttempt', () => {
  it.each(ATTEMPT_STATUSES.map((s) => [s]))('%s', (s) => {
    expect(isFinalAttempt(s)).toBe((FINAL as readonly string[]).includes(s));
  });
});

describe('canTransitionAttempt / assertAttemptTransition', () => {
  it.each([
    ['PROCESSING', 'UNKNOWN'],
    ['PROCESSING', 'SUCCEEDED'],
    ['PROCESSING', 'REVERSED'],
    ['UNKNOWN', 'PROCESSING'],
    ['UNKNOWN', 'CLOSED'],
  ] as const)('allows %s -> %s', (from, to) => {
    expect(canTransitionAttempt(from, to)).toBe(true);
    expect(() => assertAttemptTransition(from, to)).not.toThrow();
  });

  it.each([
    ['SUCCEEDED', 'REVERSED'],
    ['SUCCEEDED', 'FAILED'],
    ['FAILED', 'SUCCEEDED'],
    ['CLOSED', 'PROCESSING'],
    ['REVERSED', 'SUCCEEDED'],
    ['PROCESSING', 'PROCESSING'],
    ['UNKNOWN', 'UNKNOWN'],
  ] as const)('refuses %s -> %s', (from, to) => {
    expect(canTransitionAttempt(from, to)).toBe(false);
    expect(() => assertAttemptTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('reports the refused move in the error', () => {
    let caught: unknown;
    try {
      assertAttemptTransition('FAILED', 'SUCCEEDED');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toMatchObject({ entity: 'attempt', from: 'FAILED', to: 'SUCCEEDED' });
  });

  it('refuses statuses that are not statuses', () => {
    const bogus = 'hasOwnProperty' as AttemptStatus;
    expect(canTransitionAttempt(bogus, 'CLOSED')).toBe(false);
    expect(canTransitionAttempt('PROCESSING', bogus)).toBe(false);
    expect(isFinalAttempt(bogus)).toBe(false);
  });

  it('agrees with the table for any pair', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const allowed = canTransitionAttempt(from, to);
        expect(allowed).toBe(ATTEMPT_TRANSITIONS[from].includes(to));
        if (from === to || isFinalAttempt(from)) expect(allowed).toBe(false);
        if (allowed) expect(() => assertAttemptTransition(from, to)).not.toThrow();
        else expect(() => assertAttemptTransition(from, to)).toThrow(IllegalTransitionError);
      }),
    );
  });

  it('never leaves a final status, whatever sequence of moves is requested', () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 40 }), (requested) => {
        let current: AttemptStatus = INITIAL;
        let finalAt: AttemptStatus | null = null;
        const reachable = reachableFrom(INITIAL);
        for (const to of requested) {
          if (canTransitionAttempt(current, to)) current = to;
          expect(reachable.has(current)).toBe(true);
          if (finalAt !== null) expect(current).toBe(finalAt);
          if (isFinalAttempt(current)) finalAt = current;
        }
      }),
    );
  });
});

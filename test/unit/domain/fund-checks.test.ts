import fc from 'fast-check';
import { ALL_CHECK_SQL } from '../../../src/db/fund-checks/run-fund-checks';
import { canTransitionAttempt } from '../../../src/domain/attempt-state-machine';
import {
  DEFAULT_FUND_CHECK_SETTINGS,
  isPrintableText,
  parseFundCheckSettings,
  parseRefundCeilings,
} from '../../../src/domain/fund-check-settings';
import {
  FUND_CHECKS,
  FUND_CHECK_NAMES,
  allowedHistoryMoves,
  allowedMovesAsColumns,
  tallyFindings,
  type FundCheckFinding,
} from '../../../src/domain/fund-checks';
import { notificationScheduleTotalMs } from '../../../src/domain/notification-schedule';
import { canTransitionPayment } from '../../../src/domain/payment-state-machine';
import { ATTEMPT_STATUSES, PAYMENT_STATUSES } from '../../../src/domain/payment-status';

const allowed = (scope: string, from: string | null, to: string): boolean =>
  allowedHistoryMoves().some((m) => m.scope === scope && m.from === from && m.to === to);

describe('the allowed history moves are the state machines, nothing more', () => {
  test('payment moves: exactly the transitions the payment state machine allows', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PAYMENT_STATUSES), fc.constantFrom(...PAYMENT_STATUSES), (from, to) => {
        expect(allowed('payment', from, to)).toBe(canTransitionPayment(from, to));
      }),
    );
  });

  test('attempt moves: exactly the transitions the attempt state machine allows', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ATTEMPT_STATUSES), fc.constantFrom(...ATTEMPT_STATUSES), (from, to) => {
        expect(allowed('attempt', from, to)).toBe(canTransitionAttempt(from, to));
      }),
    );
  });

  test('a payment is born CREATED and an attempt PROCESSING; nothing else starts from nothing', () => {
    const births = allowedHistoryMoves().filter((m) => m.from === null);
    expect(births).toEqual([
      { scope: 'payment', from: null, to: 'CREATED' },
      { scope: 'attempt', from: null, to: 'PROCESSING' },
    ]);
  });

  test('no move leaves a final status, and staying put is never a move', () => {
    for (const m of allowedHistoryMoves()) {
      expect(['SUCCEEDED', 'FAILED', 'CLOSED', 'REVERSED']).not.toContain(m.from);
      expect(m.from).not.toBe(m.to);
    }
  });

  test('the column form is the same moves, index by index', () => {
    const cols = allowedMovesAsColumns();
    const moves = allowedHistoryMoves();
    expect(cols.scopes).toHaveLength(moves.length);
    moves.forEach((m, i) => {
      expect([cols.scopes[i], cols.froms[i], cols.tos[i]]).toEqual([m.scope, m.from, m.to]);
    });
  });
});

describe('the list of checks', () => {
  test('every named check has exactly one SQL, in list order', () => {
    expect(ALL_CHECK_SQL.map((c) => c.name)).toEqual(FUND_CHECK_NAMES);
  });

  test('each family of the seeds (sums, idempotency, timeliness, sequence, limits) has checks', () => {
    expect(new Set(FUND_CHECKS.map((c) => c.family))).toEqual(
      new Set(['sums', 'idempotency', 'timeliness', 'sequence', 'limits']),
    );
  });

  test('tallies count each check once, every check listed, totals preserved', () => {
    const finding = fc.record({
      check: fc.constantFrom(...FUND_CHECK_NAMES),
      paymentId: fc.option(fc.string(), { nil: null }),
      refundId: fc.option(fc.string(), { nil: null }),
      detail: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(finding), (findings: FundCheckFinding[]) => {
        const t = tallyFindings(new Map([['DUPLICATE_ORDER', 7]]), findings);
        expect(t.map((x) => x.check)).toEqual(FUND_CHECK_NAMES);
        expect(t.reduce((a, x) => a + x.findings, 0)).toBe(findings.length);
        expect(t.find((x) => x.check === 'DUPLICATE_ORDER')?.checked).toBe(7);
        expect(t.find((x) => x.check === 'PAYMENT_TAKEN_TWICE')?.checked).toBe(0);
      }),
    );
  });
});

describe('fund-check settings', () => {
  test('defaults: 10 min grace, 1 h refund limit, the whole schedule + 30 min, no ceilings', () => {
    expect(parseFundCheckSettings({})).toEqual(DEFAULT_FUND_CHECK_SETTINGS);
    expect(DEFAULT_FUND_CHECK_SETTINGS).toEqual({
      paymentGraceMs: 600_000,
      refundLimitMs: 3_600_000,
      notificationLimitMs: notificationScheduleTotalMs(1) + 1_800_000,
      refundCeilings: {},
    });
  });

  test('minutes, the schedule scale and ceilings are read from the environment', () => {
    const s = parseFundCheckSettings({
      FUND_CHECK_PAYMENT_GRACE_MINUTES: '2',
      FUND_CHECK_REFUND_LIMIT_MINUTES: '0.5',
      FUND_CHECK_NOTIFY_MARGIN_MINUTES: '1',
      MERCHANT_NOTIFY_SCHEDULE_SCALE: '0.001',
      FUND_CHECK_REFUND_CEILINGS: '{"m_demo": 500000, "m_demo2": 0}',
    });
    expect(s).toEqual({
      paymentGraceMs: 120_000,
      refundLimitMs: 30_000,
      notificationLimitMs: notificationScheduleTotalMs(0.001) + 60_000,
      refundCeilings: { m_demo: 500000, m_demo2: 0 },
    });
  });

  test.each([['-1'], ['ten'], ['NaN'], ['Infinity']])('a bad number of minutes (%s) is refused', (raw) => {
    expect(() => parseFundCheckSettings({ FUND_CHECK_PAYMENT_GRACE_MINUTES: raw })).toThrow(RangeError);
  });

  test.each([['{'], ['[1]'], ['{"m_demo": 1.5}'], ['{"m_demo": "100"}'], ['{"m_demo": -1}'], ['{" ": 1}']])(
    'a bad ceilings value (%s) is refused, not ignored',
    (raw) => {
      expect(() => parseRefundCeilings(raw)).toThrow(RangeError);
    },
  );

  test('any map of merchant ids to valid amounts reads back as written', () => {
    const id = fc.stringMatching(/^m_[a-z0-9_]{1,20}$/);
    fc.assert(
      fc.property(fc.dictionary(id, fc.integer({ min: 0, max: 100_000_000_000 })), (ceilings) => {
        expect(parseRefundCeilings(JSON.stringify(ceilings))).toEqual(ceilings);
      }),
    );
  });

  test('printable text: any control character but tab and newline is refused', () => {
    expect(isPrintableText('nightly check\tafter recon\n')).toBe(true);
    expect(isPrintableText('核对 资金')).toBe(true);
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 0x9f }).filter((c) => (c < 0x20 || c >= 0x7f) && ![9, 10, 13].includes(c)),
        fc.string(),
        (a, code, b) => {
          expect(isPrintableText(a + String.fromCharCode(code) + b)).toBe(false);
        },
      ),
    );
  });
});

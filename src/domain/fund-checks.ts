import { ATTEMPT_TRANSITIONS } from './attempt-state-machine';
import { PAYMENT_TRANSITIONS, TERMINAL_PAYMENT_STATUSES } from './payment-state-machine';
import type { AttemptStatus, PaymentStatus } from './payment-status';

/**
 * The fund-safety checks (the seeds' 核对 rules: sums, idempotency, timeliness, sequence, limits), as data.
 * The SQL of each lives in src/db/fund-checks/<family>.ts; this list is what every run reports on, so a
 * check that is named here and has no SQL (or the reverse) is a unit-test failure, not a silent gap.
 */
export const FUND_CHECK_FAMILIES = ['sums', 'idempotency', 'timeliness', 'sequence', 'limits'] as const;
export type FundCheckFamily = (typeof FUND_CHECK_FAMILIES)[number];

export const FUND_CHECKS = [
  {
    name: 'REFUNDS_EXCEED_AMOUNT',
    family: 'sums',
    what: 'refunds SUCCEEDED+PROCESSING exceed the amount (or the late money)',
  },
  {
    name: 'KEPT_ATTEMPT_MISMATCH',
    family: 'sums',
    what: 'a SUCCEEDED payment is not its one kept paid attempt',
  },
  {
    name: 'REFUNDED_AMOUNT_MISMATCH',
    family: 'sums',
    what: 'refunded_amount differs from its SUCCEEDED refunds',
  },
  {
    name: 'REFUND_TAKEN_TWICE',
    family: 'idempotency',
    what: 'two SUCCEEDED refunds share one refund number',
  },
  { name: 'PAYMENT_TAKEN_TWICE', family: 'idempotency', what: 'two paid attempts kept for one payment' },
  { name: 'DUPLICATE_ORDER', family: 'idempotency', what: 'two payments for one (merchant, outTradeNo)' },
  { name: 'PAYMENT_OPEN_PAST_DEADLINE', family: 'timeliness', what: 'not final past deadline + grace' },
  { name: 'REFUND_PROCESSING_TOO_LONG', family: 'timeliness', what: 'refund PROCESSING past its limit' },
  { name: 'NOTIFICATION_PENDING_TOO_LONG', family: 'timeliness', what: 'pending past its schedule + margin' },
  { name: 'LATE_MONEY_NOT_REFUNDED', family: 'timeliness', what: 'late money not refunded within the limit' },
  {
    name: 'HISTORY_ILLEGAL_MOVE',
    family: 'sequence',
    what: 'a status history row the state machine forbids',
  },
  {
    name: 'HISTORY_BROKEN_CHAIN',
    family: 'sequence',
    what: "a history row that does not start at the last one's end",
  },
  {
    name: 'HISTORY_LAST_MISMATCH',
    family: 'sequence',
    what: "history's last status is not the current status",
  },
  {
    name: 'DAILY_REFUND_CEILING',
    family: 'limits',
    what: "a merchant's refunds of one Beijing day over its ceiling",
  },
] as const satisfies ReadonlyArray<{ name: string; family: FundCheckFamily; what: string }>;

export type FundCheckName = (typeof FUND_CHECKS)[number]['name'];
export const FUND_CHECK_NAMES: readonly FundCheckName[] = FUND_CHECKS.map((c) => c.name);

/** One thing a check found; ids are null where the finding is not about one payment or refund. */
export interface FundCheckFinding {
  check: FundCheckName;
  paymentId: string | null;
  refundId: string | null;
  detail: string;
}

/** What one check looked at and found, for the CLI's table and the run's record. */
export interface FundCheckTally {
  check: FundCheckName;
  checked: number;
  findings: number;
}

/** A status history row's scope: the payment's own rows have no attempt number. */
export type HistoryScope = 'payment' | 'attempt';

export interface AllowedMove {
  scope: HistoryScope;
  /** null: the row that records the object's creation. */
  from: string | null;
  to: string;
}

/** The status a payment and an attempt are born with (their first history row has from_status NULL). */
export const INITIAL_PAYMENT_STATUS: PaymentStatus = 'CREATED';
export const INITIAL_ATTEMPT_STATUS: AttemptStatus = 'PROCESSING';

/**
 * Every legal history row, generated from the domain's own transition tables so that the sequence check's
 * SQL and the state machines can never disagree.
 */
export function allowedHistoryMoves(): AllowedMove[] {
  const moves: AllowedMove[] = [
    { scope: 'payment', from: null, to: INITIAL_PAYMENT_STATUS },
    { scope: 'attempt', from: null, to: INITIAL_ATTEMPT_STATUS },
  ];
  for (const [from, tos] of Object.entries(PAYMENT_TRANSITIONS)) {
    for (const to of tos) moves.push({ scope: 'payment', from, to });
  }
  for (const [from, tos] of Object.entries(ATTEMPT_TRANSITIONS)) {
    for (const to of tos) moves.push({ scope: 'attempt', from, to });
  }
  return moves;
}

/** The moves as three parallel arrays, the shape `unnest($1::text[], $2::text[], $3::text[])` takes. */
export function allowedMovesAsColumns(): { scopes: string[]; froms: Array<string | null>; tos: string[] } {
  const moves = allowedHistoryMoves();
  return { scopes: moves.map((m) => m.scope), froms: moves.map((m) => m.from), tos: moves.map((m) => m.to) };
}

/** Statuses a payment stays in for good: anything else is still open. */
export const FINAL_PAYMENT_STATUSES: readonly string[] = TERMINAL_PAYMENT_STATUSES;

/** Counts each check's findings; every check appears, in list order, even with none. */
export function tallyFindings(
  checked: ReadonlyMap<FundCheckName, number>,
  findings: readonly FundCheckFinding[],
): FundCheckTally[] {
  return FUND_CHECK_NAMES.map((check) => ({
    check,
    checked: checked.get(check) ?? 0,
    findings: findings.filter((f) => f.check === check).length,
  }));
}

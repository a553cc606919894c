import { allowedMovesAsColumns } from '../../domain/fund-checks';
import type { CheckSql } from './check-sql';

/** A payment's own rows have no attempt number; each attempt's rows are a chain of their own. */
const HISTORY = `
  SELECT h.*, CASE WHEN h.attempt_no IS NULL THEN 'payment' ELSE 'attempt' END AS scope,
         CASE WHEN h.attempt_no IS NULL THEN 'payment' ELSE 'attempt ' || h.attempt_no END AS subject
    FROM payment_status_history h`;

/** Sequence (顺序性核对): every status change is one the state machines allow, in an unbroken chain. */
export const SEQUENCE_CHECKS: CheckSql[] = [
  {
    name: 'HISTORY_ILLEGAL_MOVE',
    checked: 'SELECT count(*) AS n FROM payment_status_history',
    // The allowed moves come from the domain's transition tables, as parameters: one source of truth.
    params: () => {
      const m = allowedMovesAsColumns();
      return [m.scopes, m.froms, m.tos];
    },
    findings: `
      WITH allowed AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(scope, from_status, to_status)),
      h AS (${HISTORY})
      SELECT h.payment_id, NULL::text AS refund_id,
             h.subject || ': ' || coalesce(h.from_status, '(new)') || ' -> ' || h.to_status
               || ' is not a legal move (history row ' || h.id || ')' AS detail
        FROM h
       WHERE NOT EXISTS (SELECT 1 FROM allowed a
                          WHERE a.scope = h.scope AND a.from_status IS NOT DISTINCT FROM h.from_status
                            AND a.to_status = h.to_status)`,
  },
  {
    name: 'HISTORY_BROKEN_CHAIN',
    checked: 'SELECT count(*) AS n FROM payment_status_history',
    // The first row of a chain starts from nothing; every later one from where the one before ended.
    findings: `
      SELECT payment_id, NULL::text AS refund_id,
             subject || ': history row ' || id || ' starts at ' || coalesce(from_status, '(new)')
               || ' but the one before ended at ' || coalesce(prev_to, '(nothing)') AS detail
        FROM (SELECT h.*, lag(h.to_status) OVER (PARTITION BY h.payment_id, h.attempt_no ORDER BY h.id) AS prev_to
                FROM (${HISTORY}) h) x
       WHERE from_status IS DISTINCT FROM prev_to`,
  },
  {
    name: 'HISTORY_LAST_MISMATCH',
    checked: 'SELECT (SELECT count(*) FROM payments) + (SELECT count(*) FROM payment_attempts) AS n',
    findings: `
      WITH last AS (
        SELECT DISTINCT ON (payment_id, attempt_no) payment_id, attempt_no, to_status
          FROM payment_status_history ORDER BY payment_id, attempt_no, id DESC)
      SELECT p.id AS payment_id, NULL::text AS refund_id,
             'payment is ' || p.status || ' but its history ends at ' || coalesce(l.to_status, '(no history)') AS detail
        FROM payments p LEFT JOIN last l ON l.payment_id = p.id AND l.attempt_no IS NULL
       WHERE l.to_status IS DISTINCT FROM p.status
      UNION ALL
      SELECT a.payment_id, NULL,
             'attempt ' || a.attempt_no || ' is ' || a.status || ' but its history ends at '
               || coalesce(l.to_status, '(no history)')
        FROM payment_attempts a LEFT JOIN last l ON l.payment_id = a.payment_id AND l.attempt_no = a.attempt_no
       WHERE l.to_status IS DISTINCT FROM a.status`,
  },
];

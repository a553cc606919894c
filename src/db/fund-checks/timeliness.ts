import { FINAL_PAYMENT_STATUSES } from '../../domain/fund-checks';
import type { CheckSql } from './check-sql';

/** `$1` is the check's now, `$2` a threshold in milliseconds: the instant before which it is too late. */
const CUTOFF = `($1::timestamptz - $2::float8 * interval '1 millisecond')`;

/** Timeliness (时效核对): nothing left open longer than it may be. */
export const TIMELINESS_CHECKS: CheckSql[] = [
  {
    name: 'PAYMENT_OPEN_PAST_DEADLINE',
    checked: 'SELECT count(*) AS n FROM payments',
    params: ({ now, settings }) => [now, settings.paymentGraceMs, FINAL_PAYMENT_STATUSES],
    findings: `
      SELECT id AS payment_id, NULL::text AS refund_id,
             'still ' || status || ' at ' || to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
               || ', deadline was ' || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS detail
        FROM payments
       WHERE status <> ALL ($3::text[]) AND expires_at < ${CUTOFF}`,
  },
  {
    name: 'REFUND_PROCESSING_TOO_LONG',
    checked: "SELECT count(*) AS n FROM refunds WHERE status = 'PROCESSING'",
    params: ({ now, settings }) => [now, settings.refundLimitMs],
    findings: `
      SELECT payment_id, id AS refund_id,
             kind || ' refund of ' || amount || ' PROCESSING since '
               || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS detail
        FROM refunds
       WHERE status = 'PROCESSING' AND created_at < ${CUTOFF}`,
  },
  {
    name: 'NOTIFICATION_PENDING_TOO_LONG',
    checked: "SELECT count(*) AS n FROM merchant_notifications WHERE status = 'PENDING'",
    params: ({ now, settings }) => [now, settings.notificationLimitMs],
    // pending_since restarts with every resend, and a resend is a whole new schedule.
    findings: `
      SELECT payment_id, refund_id,
             'notification ' || id || ' (' || type || ') PENDING since '
               || to_char(pending_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' after '
               || attempts || ' tries' AS detail
        FROM merchant_notifications
       WHERE status = 'PENDING' AND pending_since < ${CUTOFF}`,
  },
  {
    name: 'LATE_MONEY_NOT_REFUNDED',
    checked: 'SELECT count(*) AS n FROM late_payments',
    params: ({ now, settings }) => [now, settings.refundLimitMs],
    // The refund's own row is the truth (late_payments.refund_status follows it).
    findings: `
      SELECT l.payment_id, r.id AS refund_id,
             l.reason || ' of ' || l.amount || ' on attempt ' || l.attempt_no || ' detected '
               || to_char(l.detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ', its refund '
               || coalesce(r.status, 'never started') AS detail
        FROM late_payments l
        LEFT JOIN refunds r ON r.payment_id = l.payment_id AND r.attempt_no = l.attempt_no AND r.kind = l.reason
       WHERE coalesce(r.status, '') <> 'SUCCEEDED' AND l.detected_at < ${CUTOFF}`,
  },
];

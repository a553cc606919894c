/**
 * The matching, set-based: every bill row against the record by its key (a payment row by our channel out
 * trade number, a refund row by its request number), and every success and refund the record holds for
 * the day against the bill (hash joins: a correlated NOT EXISTS per row would be quadratic on an
 * unindexed staging table). Plain matches are only counted (isPlainPaymentMatch / isPlainRefundMatch of
 * src/domain/reconciliation, written here in SQL); every other pair comes back as JSON for classify().
 * $1 channel, $2/$3 the day's [start, end). `%STAGE%` is the run's staging table.
 */

/**
 * Both directions for payments in one pass (a hash full join: each side is read and hashed once): bill
 * payment rows joined to the attempt they name (any day: we may have recorded it later or earlier), and
 * the record's successes of the day on this channel that no bill row names. A trade number the bill
 * holds twice counts its record row twice in local_rows (a summary figure; both bill rows are judged).
 */
export const PAYMENTS_SQL = `
WITH j AS (
  SELECT s.channel_trade_no, s.out_trade_no, s.amount AS channel_amount, s.currency, s.finished_at,
         r.payment_id, r.attempt_no, r.attempt_status, r.payment_status, r.local_amount, r.channel_out_trade_no,
         r.paid_at, (lp.payment_id IS NOT NULL) AS late_recorded,
         r.attempt_status = 'SUCCEEDED' AND r.payment_status = 'SUCCEEDED'
           AND r.paid_at >= $2 AND r.paid_at < $3 AS local_of_day
  FROM (SELECT * FROM %STAGE% WHERE kind = 'PAYMENT') s
  FULL JOIN (
    SELECT a.payment_id, a.attempt_no, a.status AS attempt_status, a.channel_out_trade_no,
           p.status AS payment_status, p.amount AS local_amount, p.paid_at
    FROM payment_attempts a JOIN payments p ON p.id = a.payment_id
    WHERE a.channel = $1
  ) r ON r.channel_out_trade_no = s.out_trade_no
  LEFT JOIN late_payments lp ON lp.payment_id = r.payment_id AND lp.attempt_no = r.attempt_no
), m AS (
  SELECT *, out_trade_no IS NOT NULL AND payment_id IS NOT NULL AND channel_amount = local_amount
              AND (attempt_status = 'SUCCEEDED' OR late_recorded) AS matched
  FROM j WHERE out_trade_no IS NOT NULL OR local_of_day
)
SELECT (count(*) FILTER (WHERE out_trade_no IS NOT NULL))::int AS rows,
       (count(*) FILTER (WHERE matched))::int AS matched,
       (count(*) FILTER (WHERE local_of_day))::int AS local_rows,
       COALESCE(array_to_json(array_agg(json_build_object(
         'channelTradeNo', channel_trade_no, 'outTradeNo', out_trade_no, 'amount', channel_amount, 'currency', currency,
         'finishedAt', finished_at, 'paymentId', payment_id, 'attemptNo', attempt_no,
         'attemptStatus', attempt_status, 'paymentStatus', payment_status, 'localAmount', local_amount,
         'lateRecorded', late_recorded)) FILTER (WHERE out_trade_no IS NOT NULL AND NOT matched)), '[]') AS pending,
       COALESCE(array_to_json(array_agg(json_build_object(
         'paymentId', payment_id, 'attemptNo', attempt_no, 'channelOutTradeNo', channel_out_trade_no,
         'paymentStatus', payment_status, 'attemptStatus', attempt_status, 'amount', local_amount, 'at', paid_at))
         FILTER (WHERE out_trade_no IS NULL)), '[]') AS local_pending
FROM m`;

/** Bill refund rows joined to our refund with that request number, or our refund of an orphan. */
export const BILL_REFUNDS_SQL = `
WITH j AS (
  SELECT s.channel_trade_no, s.out_trade_no, s.out_refund_no, s.amount AS channel_amount, s.currency, s.finished_at,
         r.id AS refund_id, r.payment_id, r.status AS refund_status, r.amount AS local_amount,
         (rr.repair_key IS NOT NULL) AS our_orphan_refund,
         (r.id IS NOT NULL AND r.status = 'SUCCEEDED' AND r.amount = s.amount) AS matched
  FROM %STAGE% s
  LEFT JOIN refunds r ON r.channel = $1 AND r.out_request_no = s.out_refund_no
  LEFT JOIN reconciliation_repairs rr ON rr.out_request_no = s.out_refund_no AND rr.channel = $1
  WHERE s.kind = 'REFUND'
)
SELECT count(*)::int AS rows, (count(*) FILTER (WHERE matched))::int AS matched,
       COALESCE(json_agg(json_build_object(
         'channelTradeNo', channel_trade_no, 'outTradeNo', out_trade_no, 'outRefundNo', out_refund_no,
         'amount', channel_amount, 'currency', currency, 'finishedAt', finished_at, 'refundId', refund_id, 'paymentId', payment_id,
         'refundStatus', refund_status, 'localAmount', local_amount, 'ourOrphanRefund', our_orphan_refund))
         FILTER (WHERE NOT matched), '[]') AS pending
FROM j`;

/** The record's refunds that succeeded on the day on this channel, and which of them the bill lacks. */
export const LOCAL_REFUNDS_SQL = `
SELECT count(*)::int AS rows,
       COALESCE(json_agg(json_build_object(
         'refundId', r.id, 'paymentId', r.payment_id, 'status', r.status, 'amount', r.amount,
         'outRequestNo', r.out_request_no, 'channelOutTradeNo', r.channel_out_trade_no, 'at', r.succeeded_at))
         FILTER (WHERE s.out_refund_no IS NULL), '[]') AS pending
FROM refunds r
LEFT JOIN (SELECT DISTINCT out_refund_no FROM %STAGE% WHERE kind = 'REFUND') s
  ON s.out_refund_no = r.out_request_no
WHERE r.channel = $1 AND r.status = 'SUCCEEDED' AND r.succeeded_at >= $2 AND r.succeeded_at < $3`;

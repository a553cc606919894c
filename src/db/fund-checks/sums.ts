import type { CheckSql } from './check-sql';

/** Kept: a SUCCEEDED attempt that is not late or duplicate money (those are in late_payments, and refunded). */
export const KEPT_ATTEMPTS = `
  SELECT a.payment_id, count(*) AS n, min(a.attempt_no) AS attempt_no, min(a.channel_out_trade_no) AS cotn
    FROM payment_attempts a
   WHERE a.status = 'SUCCEEDED'
     AND NOT EXISTS (SELECT 1 FROM late_payments l WHERE l.payment_id = a.payment_id AND l.attempt_no = a.attempt_no)
   GROUP BY a.payment_id`;

/** Sums (总分校验): the parts add up to the whole. */
export const SUM_CHECKS: CheckSql[] = [
  {
    name: 'REFUNDS_EXCEED_AMOUNT',
    checked: 'SELECT count(DISTINCT payment_id) AS n FROM refunds',
    // Merchant refunds against the captured amount; automatic refunds against the late money they return.
    findings: `
      SELECT p.id AS payment_id, NULL::text AS refund_id,
             'merchant refunds SUCCEEDED+PROCESSING ' || s.taken || ' > amount ' || p.amount AS detail
        FROM payments p
        JOIN (SELECT payment_id, sum(amount) AS taken FROM refunds
               WHERE kind = 'MERCHANT' AND status IN ('SUCCEEDED', 'PROCESSING') GROUP BY payment_id) s
          ON s.payment_id = p.id
       WHERE s.taken > p.amount
      UNION ALL
      SELECT s.payment_id, s.refund_id,
             'automatic refunds of attempt ' || s.attempt_no || ' SUCCEEDED+PROCESSING ' || s.taken || ' > late money '
               || coalesce(l.amount::text, '(none recorded)')
        FROM (SELECT payment_id, attempt_no, kind, min(id) AS refund_id, sum(amount) AS taken FROM refunds
               WHERE kind <> 'MERCHANT' AND status IN ('SUCCEEDED', 'PROCESSING')
               GROUP BY payment_id, attempt_no, kind) s
        LEFT JOIN late_payments l ON l.payment_id = s.payment_id AND l.attempt_no = s.attempt_no
       WHERE l.amount IS NULL OR s.taken > l.amount`,
  },
  {
    name: 'KEPT_ATTEMPT_MISMATCH',
    checked: 'SELECT count(*) AS n FROM payments',
    // The channel's notify for the kept attempt names its amount (Alipay style, yuan): it must be ours.
    findings: `
      WITH kept AS (${KEPT_ATTEMPTS}),
      notified AS (
        SELECT out_trade_no, round((raw ->> 'total_amount')::numeric * 100)::bigint AS fen
          FROM channel_notifications
         WHERE verified AND trade_status IN ('PAID', 'FINISHED')
           AND raw ->> 'total_amount' ~ '^[0-9]{1,12}(\\.[0-9]{1,2})?$'
         GROUP BY 1, 2)
      SELECT p.id AS payment_id, NULL::text AS refund_id,
             CASE WHEN p.status = 'SUCCEEDED' THEN 'SUCCEEDED with no kept successful attempt'
                  ELSE p.status || ' yet attempt ' || k.attempt_no || ' SUCCEEDED and is not recorded as late money'
             END AS detail
        FROM payments p LEFT JOIN kept k ON k.payment_id = p.id
       WHERE (p.status = 'SUCCEEDED' AND k.n IS NULL) OR (p.status <> 'SUCCEEDED' AND k.n IS NOT NULL)
      UNION ALL
      SELECT p.id, NULL, 'amount ' || p.amount || ' but the channel notified ' || n.fen || ' for attempt ' || k.attempt_no
        FROM payments p
        JOIN kept k ON k.payment_id = p.id AND k.n = 1
        JOIN notified n ON n.out_trade_no = k.cotn
       WHERE p.status = 'SUCCEEDED' AND n.fen <> p.amount`,
  },
  {
    name: 'REFUNDED_AMOUNT_MISMATCH',
    checked: 'SELECT count(*) AS n FROM payments',
    // Automatic refunds return late money, which was never in the payment's amount: they are not counted.
    findings: `
      SELECT p.id AS payment_id, NULL::text AS refund_id,
             'refundedAmount ' || p.refunded_amount || ' but SUCCEEDED merchant refunds sum to '
               || coalesce(s.total, 0) AS detail
        FROM payments p
        LEFT JOIN (SELECT payment_id, sum(amount) AS total FROM refunds
                    WHERE kind = 'MERCHANT' AND status = 'SUCCEEDED' GROUP BY payment_id) s
          ON s.payment_id = p.id
       WHERE p.refunded_amount <> coalesce(s.total, 0)`,
  },
];

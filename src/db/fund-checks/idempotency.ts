import type { CheckSql } from './check-sql';
import { KEPT_ATTEMPTS } from './sums';

/** Idempotency (幂等性核对): nothing done twice. Unique keys refuse most of this; these catch what slips by. */
export const IDEMPOTENCY_CHECKS: CheckSql[] = [
  {
    name: 'REFUND_TAKEN_TWICE',
    checked: "SELECT count(*) AS n FROM refunds WHERE status = 'SUCCEEDED'",
    // Our refund number at the channel (per channel) and the merchant's refund number (per payment).
    findings: `
      SELECT min(payment_id) AS payment_id, min(id) AS refund_id,
             'refunds ' || string_agg(id, ', ' ORDER BY id) || ' all SUCCEEDED with channel refund number '
               || channel || '/' || out_request_no AS detail
        FROM refunds WHERE status = 'SUCCEEDED'
       GROUP BY channel, out_request_no HAVING count(*) > 1
      UNION ALL
      SELECT payment_id, min(id),
             'refunds ' || string_agg(id, ', ' ORDER BY id) || ' all SUCCEEDED with outRefundNo ' || out_refund_no
        FROM refunds WHERE status = 'SUCCEEDED'
       GROUP BY payment_id, out_refund_no HAVING count(*) > 1`,
  },
  {
    name: 'PAYMENT_TAKEN_TWICE',
    checked: "SELECT count(DISTINCT payment_id) AS n FROM payment_attempts WHERE status = 'SUCCEEDED'",
    findings: `
      WITH kept AS (${KEPT_ATTEMPTS})
      SELECT payment_id, NULL::text AS refund_id,
             n || ' SUCCEEDED attempts kept (none recorded as late money to refund)' AS detail
        FROM kept WHERE n > 1`,
  },
  {
    name: 'DUPLICATE_ORDER',
    checked: 'SELECT count(*) AS n FROM payments',
    findings: `
      SELECT min(id) AS payment_id, NULL::text AS refund_id,
             'payments ' || string_agg(id, ', ' ORDER BY id) || ' for one order ' || merchant_id || '/' || out_trade_no
               AS detail
        FROM payments GROUP BY merchant_id, out_trade_no HAVING count(*) > 1`,
  },
];

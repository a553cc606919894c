import type { CheckSql } from './check-sql';

/** Limits (额度校验): configured ceilings on money. */
export const LIMIT_CHECKS: CheckSql[] = [
  {
    name: 'DAILY_REFUND_CEILING',
    checked: 'SELECT count(*) AS n FROM refunds',
    // Merchant refunds that returned or may return money (FAILED ones did not), per Beijing calendar day
    // (UTC+8 all year: no daylight saving, so no time zone database is needed).
    params: ({ settings }) => {
      const entries = Object.entries(settings.refundCeilings);
      return [entries.map(([m]) => m), entries.map(([, c]) => c)];
    },
    findings: `
      WITH ceilings AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS t(merchant_id, ceiling))
      SELECT NULL::text AS payment_id, NULL::text AS refund_id,
             'merchant ' || c.merchant_id || ' refunded ' || sum(r.amount) || ' on ' || d.day || ' (Beijing), '
               || count(*) || ' refunds, over its daily ceiling ' || c.ceiling AS detail
        FROM refunds r
        JOIN payments p ON p.id = r.payment_id
        JOIN ceilings c ON c.merchant_id = p.merchant_id
        CROSS JOIN LATERAL (SELECT (r.created_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day) d
       WHERE r.kind = 'MERCHANT' AND r.status IN ('SUCCEEDED', 'PROCESSING')
       GROUP BY c.merchant_id, c.ceiling, d.day
      HAVING sum(r.amount) > c.ceiling`,
  },
];

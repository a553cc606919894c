import type { Pool } from 'pg';
import type { BillEntry } from '../src/channels/sandbox/bill-entries';

/**
 * The benchmark's day: N payments (every 50th also refunded in part) in the record, the same trades in
 * the channel's bill, and a known sprinkle of each difference (SPRINKLE of each kind).
 */
export const SPRINKLE = 5;
export const EXPECTED = {
  LOCAL_ONLY: SPRINKLE,
  CHANNEL_ONLY: 2 * SPRINKLE, // orphans + paid attempts we hold as PROCESSING
  AMOUNT_MISMATCH: SPRINKLE,
  STATUS_MISMATCH: SPRINKLE,
  DUPLICATE_PAYMENT: SPRINKLE,
};

const hex = (i: number) => i.toString(16).padStart(32, '0');
export const paymentId = (i: number) => `pay_${hex(i)}`;
export const refundId = (i: number) => `ref_${hex(i)}`;
const amountOf = (i: number) => 1000 + (i % 5000);
const isRefunded = (i: number) => i % 50 === 0;

/** Record rows in bulk, in SQL (generate_series): payments, their succeeded attempts, refunds, and the sprinkle. */
export async function insertLocalDay(pool: Pool, channel: string, n: number, dayStart: Date): Promise<void> {
  const params = [channel, n, dayStart];
  // Money moves from 01:00 to 23:00 Beijing time: no record row sits in the midnight window.
  await pool.query(
    `INSERT INTO payments (id, merchant_id, out_trade_no, amount, currency, subject, status, order_deadline,
       expires_at, channel, transaction_type, source, workflow_id, paid_at, refunded_amount, refund_reserved,
       created_at, updated_at)
     SELECT 'pay_' || lpad(to_hex(i), 32, '0'), 'm_demo', $1 || '-' || i, 1000 + i % 5000, 'CNY', 'bench',
       CASE WHEN i <= ${SPRINKLE} THEN 'PROCESSING' ELSE 'SUCCEEDED' END, $3::timestamptz + interval '1 day',
       $3::timestamptz + interval '1 day', $1, 'PURCHASE', 'ONLINE', 'payment-m_demo-' || $1 || '-' || i,
       CASE WHEN i <= ${SPRINKLE} THEN NULL ELSE $3::timestamptz + interval '1 hour' + (i % 79200) * interval '1 second' END,
       CASE WHEN i % 50 = 0 THEN 100 ELSE 0 END, CASE WHEN i % 50 = 0 THEN 100 ELSE 0 END, now(), now()
     FROM generate_series(1, $2::int) i`,
    params,
  );
  await pool.query(
    `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, channel_trade_no, status,
       created_at, updated_at)
     SELECT 'pay_' || lpad(to_hex(i), 32, '0'), 1, $1, 'pay_' || lpad(to_hex(i), 32, '0') || '-1', 'T' || i,
       CASE WHEN i <= ${SPRINKLE} THEN 'PROCESSING' ELSE 'SUCCEEDED' END, now(), now()
     FROM generate_series(1, $2::int) i`,
    [channel, n],
  );
  // DUPLICATE_PAYMENT: a second attempt (FAILED here) of payments 6..10, paid at the channel.
  await pool.query(
    `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, created_at, updated_at)
     SELECT 'pay_' || lpad(to_hex(i), 32, '0'), 2, $1, 'pay_' || lpad(to_hex(i), 32, '0') || '-2', 'FAILED', now(), now()
     FROM generate_series(${SPRINKLE + 1}, ${2 * SPRINKLE}) i`,
    [channel],
  );
  // Refunds: every 50th payment, 100 fen; the first few of them FAILED here but refunded at the channel.
  await pool.query(
    `INSERT INTO refunds (id, payment_id, attempt_no, kind, out_refund_no, amount, currency, status, channel,
       channel_out_trade_no, out_request_no, workflow_id, created_at, updated_at, succeeded_at)
     SELECT 'ref_' || lpad(to_hex(i), 32, '0'), 'pay_' || lpad(to_hex(i), 32, '0'), 1, 'MERCHANT', 'r-' || i, 100,
       'CNY', CASE WHEN i <= ${50 * SPRINKLE} THEN 'FAILED' ELSE 'SUCCEEDED' END, $1,
       'pay_' || lpad(to_hex(i), 32, '0') || '-1', 'ref_' || lpad(to_hex(i), 32, '0'), 'refund-' || i, now(), now(),
       CASE WHEN i <= ${50 * SPRINKLE} THEN NULL ELSE $3::timestamptz + interval '2 hour' + (i % 72000) * interval '1 second' END
     FROM generate_series(50, $2::int, 50) i`,
    params,
  );
}

/**
 * The channel's side of the same day, as bill entries: every payment (amounts of the sprinkle off by one,
 * the record's LOCAL_ONLY ones left out), the refunds, orphans and the duplicate attempts.
 */
export function* billEntriesFor(n: number, dayStart: Date): Generator<BillEntry> {
  const at = (s: number) => new Date(dayStart.getTime() + 3_600_000 + (s % 79200) * 1000);
  const entry = (i: number, attemptNo: number, fen: number): BillEntry => ({
    type: '交易',
    tradeNo: `T${i}-${attemptNo}`,
    outTradeNo: `${paymentId(i)}-${attemptNo}`,
    subject: 'bench',
    createdAt: at(i),
    finishedAt: at(i),
    orderFen: fen,
    receivedFen: fen,
    refundRequestNo: null,
  });
  for (let i = 1; i <= n; i++) {
    if (i >= n - SPRINKLE && i < n) continue; // LOCAL_ONLY: the channel never saw these (n is a multiple of 50).
    const amount = amountOf(i) + (i > 2 * SPRINKLE && i <= 3 * SPRINKLE ? 1 : 0); // AMOUNT_MISMATCH
    yield entry(i, 1, amount);
    if (i > SPRINKLE && i <= 2 * SPRINKLE) yield entry(i, 2, amountOf(i)); // DUPLICATE_PAYMENT
    if (isRefunded(i)) {
      yield { ...entry(i, 1, amountOf(i)), type: '退款', receivedFen: -100, refundRequestNo: refundId(i) };
    }
  }
  for (let k = 1; k <= SPRINKLE; k++) {
    yield { ...entry(n + k, 1, 500), outTradeNo: `orphan-bench-${k}`, tradeNo: `TO${k}` }; // orphans
  }
}

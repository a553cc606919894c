// One payment line of `npm run bench`: n sim_success payments created through HTTP with `concurrency` in
// flight, then timed until each is SUCCEEDED in the record. The Alipay-style line and the WeChat line
// (native pay, signed API v3 calls both ways, an AES-GCM notify) differ only in the channel they ask.
import type { Pool } from 'pg';
import { DEFAULT_DEMO_KEYS } from '../src/db/seed';
import { runPool, summarize, type Figures } from './stats';

export interface PaymentLoad {
  n: number;
  concurrency: number;
  /** Order number prefix, so that one run's payments are found among the others. */
  prefix: string;
  /** Omitted: the merchant's default routing. */
  channel?: string;
  method: { type: 'bank_card' | 'wallet'; token: string };
}

export async function benchPaymentLoad(
  apiUrl: string,
  pool: Pool,
  load: PaymentLoad,
): Promise<Figures & { paid: Array<{ id: string; amount: number }> }> {
  const run = `${load.prefix}-${Date.now().toString(36)}`;
  const orders = Array.from({ length: load.n }, (_, i) => `${run}-${i}`);
  const sentAt = new Map<string, number>();
  const createMs: number[] = [];
  const deadline = new Date(Date.now() + 30 * 60_000).toISOString();
  const t0 = Date.now();
  await runPool(orders, load.concurrency, async (outTradeNo) => {
    const start = Date.now();
    sentAt.set(outTradeNo, start);
    const res = await fetch(`${apiUrl}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DEFAULT_DEMO_KEYS.merchantKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        outTradeNo,
        amount: 1999,
        currency: 'CNY',
        subject: 'bench',
        orderDeadline: deadline,
        ...(load.channel ? { channel: load.channel } : {}),
        method: load.method,
      }),
    });
    await res.text();
    if (res.status !== 201) throw new Error(`${load.prefix} create answered ${res.status}`);
    createMs.push(Date.now() - start);
  });
  type Row = { id: string; amount: string; out_trade_no: string; at: Date };
  let rows: Row[] = [];
  for (const end = Date.now() + 300_000; Date.now() < end;) {
    rows = (
      await pool.query<Row>(
        `SELECT p.id, p.amount, p.out_trade_no, h.at FROM payments p JOIN payment_status_history h ON h.payment_id = p.id
         WHERE p.out_trade_no LIKE $1 AND h.attempt_no IS NULL AND h.to_status = 'SUCCEEDED'`,
        [`${run}-%`],
      )
    ).rows;
    if (rows.length >= load.n) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    ...summarize(
      t0,
      createMs,
      rows.map((r) => [sentAt.get(r.out_trade_no) ?? 0, r.at.getTime()]),
    ),
    paid: rows.map((r) => ({ id: r.id, amount: Number(r.amount) })),
  };
}

// The WeChat line of `npm run bench`: the same sim_success payments as the Alipay-style run, asked on
// `sandbox_wechat` (native pay, signed API v3 calls both ways, an AES-GCM notify), through the whole stack.
import type { Pool } from 'pg';
import { DEFAULT_DEMO_KEYS } from '../src/db/seed';
import { runPool, summarize, type Figures } from './stats';

export async function benchWechatPayments(
  apiUrl: string,
  pool: Pool,
  n: number,
  concurrency: number,
): Promise<Figures> {
  const run = Date.now().toString(36);
  const orders = Array.from({ length: n }, (_, i) => `BW-${run}-${i}`);
  const sentAt = new Map<string, number>();
  const createMs: number[] = [];
  const deadline = new Date(Date.now() + 30 * 60_000).toISOString();
  const t0 = Date.now();
  await runPool(orders, concurrency, async (outTradeNo) => {
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
        channel: 'sandbox_wechat',
        method: { type: 'wallet', token: 'sim_success' },
      }),
    });
    await res.text();
    if (res.status !== 201) throw new Error(`wechat create answered ${res.status}`);
    createMs.push(Date.now() - start);
  });
  let rows: Array<{ out_trade_no: string; at: Date }> = [];
  for (const end = Date.now() + 300_000; Date.now() < end;) {
    rows = (
      await pool.query<{ out_trade_no: string; at: Date }>(
        `SELECT p.out_trade_no, h.at FROM payments p JOIN payment_status_history h ON h.payment_id = p.id
         WHERE p.out_trade_no LIKE $1 AND h.attempt_no IS NULL AND h.to_status = 'SUCCEEDED'`,
        [`BW-${run}-%`],
      )
    ).rows;
    if (rows.length >= n) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return summarize(
    t0,
    createMs,
    rows.map((r) => [sentAt.get(r.out_trade_no) ?? 0, r.at.getTime()]),
  );
}

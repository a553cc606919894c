// The refunds run of `npm run bench`: a full refund through HTTP for each succeeded bench payment, then the
// wait for every refund to reach SUCCEEDED (the sandbox refunds at once; the refund workflow records it).
import type { Pool } from 'pg';
import { DEFAULT_DEMO_KEYS } from '../src/db/seed';
import { runPool, summarize, type Figures } from './stats';

export interface RefundFigures extends Figures {
  requested: number;
}

export async function benchRefunds(
  apiUrl: string,
  pool: Pool,
  payments: Array<{ id: string; amount: number }>,
  concurrency: number,
): Promise<RefundFigures> {
  const sentAt = new Map<string, number>();
  const createMs: number[] = [];
  const t0 = Date.now();
  await runPool(payments, concurrency, async (p) => {
    const start = Date.now();
    const res = await fetch(`${apiUrl}/v1/payments/${p.id}/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DEFAULT_DEMO_KEYS.merchantKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ outRefundNo: 'BR-1', amount: p.amount, reason: 'bench' }),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`refund create answered ${res.status}: ${text}`);
    createMs.push(Date.now() - start);
    sentAt.set((JSON.parse(text) as { id: string }).id, start);
  });
  const ids = [...sentAt.keys()];
  let rows: Array<{ id: string; succeeded_at: Date }> = [];
  for (const end = Date.now() + 300_000; Date.now() < end;) {
    rows = (
      await pool.query<{ id: string; succeeded_at: Date }>(
        `SELECT id, succeeded_at FROM refunds WHERE id = ANY($1::text[]) AND status = 'SUCCEEDED'`,
        [ids],
      )
    ).rows;
    if (rows.length >= ids.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    ...summarize(
      t0,
      createMs,
      rows.map((r) => [sentAt.get(r.id) ?? 0, r.succeeded_at.getTime()]),
    ),
    requested: payments.length,
  };
}

import { randomUUID } from 'node:crypto';
import { eventually, MERCHANT_KEY, type TestStack } from './test-stack';

/** Helpers of the sandbox_wechat reconciliation test: refunds through the API, faults, tampering, keys. */

/** A merchant refund through the API, waited for until it ends (SUCCEEDED or FAILED). */
export async function refundToEnd(stack: TestStack, paymentId: string, outRefundNo: string, amount: number) {
  const r = await stack.api('POST', `/v1/payments/${paymentId}/refunds`, {
    key: MERCHANT_KEY,
    body: { outRefundNo, amount },
  });
  expect(r.status).toBe(201);
  return eventually(async () => {
    const g = await stack.api('GET', `/v1/refunds/${r.body.id}`);
    return ['SUCCEEDED', 'FAILED'].includes(g.body?.status) ? g.body : undefined;
  }, 30_000);
}

/** Our refund's number at the channel (what the bill's 商户退款单号 holds). */
export async function outRequestNoOf(stack: TestStack, refundId: string): Promise<string> {
  const r = await stack.pool.query('SELECT out_request_no FROM refunds WHERE id = $1', [refundId]);
  return r.rows[0].out_request_no as string;
}

/** `PUT /sim/faults` with a profile, or `DELETE` with null (the WeChat account shares the profile). */
export async function setFaults(stack: TestStack, profile: object | null): Promise<void> {
  const r = await fetch(`${stack.sandboxUrl}/sim/faults`, {
    method: profile ? 'PUT' : 'DELETE',
    ...(profile ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile) } : {}),
  });
  expect(r.status).toBeLessThan(300);
}

/** A SUCCEEDED payment and attempt in the record that the channel never saw (LOCAL_ONLY). */
export async function insertGhostSuccess(stack: TestStack, channel: string, amount: number): Promise<string> {
  const ghost = `pay_${randomUUID().replaceAll('-', '')}`;
  await stack.pool.query(
    `INSERT INTO payments (id, merchant_id, out_trade_no, amount, currency, subject, status, order_deadline,
       expires_at, channel, transaction_type, source, workflow_id, paid_at, created_at, updated_at)
     VALUES ($1, 'm_demo', $1, $3, 'CNY', 'ghost', 'SUCCEEDED', now(), now(), $2, 'PURCHASE', 'ONLINE',
       'payment-m_demo-' || $1, now(), now(), now())`,
    [ghost, channel, amount],
  );
  await stack.pool.query(
    `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, created_at, updated_at)
     VALUES ($1, 1, $2, $1 || '-1', 'SUCCEEDED', now(), now())`,
    [ghost, channel],
  );
  return ghost;
}

/** The stored difference keys of a run about these payments or this channel trade, sorted. */
export async function differenceKeysOf(
  stack: TestStack,
  runId: string,
  paymentIds: string[],
  channelTradeNo: string,
): Promise<string[]> {
  const r = await stack.pool.query(
    `SELECT difference_key FROM reconciliation_differences
     WHERE run_id = $1 AND (payment_id = ANY($2) OR channel_trade_no = $3) ORDER BY 1`,
    [runId, paymentIds, channelTradeNo],
  );
  return r.rows.map((row) => row.difference_key as string);
}

/** The resolutions of the repairs the given runs started. */
export async function repairsStartedBy(stack: TestStack, runIds: string[]): Promise<string[]> {
  const r = await stack.pool.query(
    'SELECT resolution FROM reconciliation_repairs WHERE run_id = ANY($1) ORDER BY 1',
    [runIds],
  );
  return r.rows.map((row) => row.resolution as string);
}

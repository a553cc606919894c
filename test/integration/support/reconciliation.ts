import { beijingDayOf } from '../../../src/domain/reconciliation';
import { DEFAULT_DEMO_KEYS } from '../../../src/db/seed';
import { eventually, orderNo, type TestStack } from './test-stack';

export const OPERATOR_KEY_FOR_TESTS = DEFAULT_DEMO_KEYS.operatorKey;

/** Helpers for the reconciliation tests: payments on one channel account, runs through the API. */

export const today = (): string => beijingDayOf(new Date());

export async function createOn(
  stack: TestStack,
  channel: string,
  o: { token: string; status: string; amount?: number; orderDeadline: string },
): Promise<{ id: string; channelOutTradeNo: string; workflowId: string }> {
  const body = {
    outTradeNo: orderNo('recon'),
    amount: o.amount ?? 1234,
    currency: 'CNY',
    subject: 'Reconciliation',
    orderDeadline: o.orderDeadline,
    channel,
    method: { type: 'bank_card', token: o.token },
  };
  const r = await stack.api('POST', '/v1/payments', { body });
  expect(r.status).toBe(201);
  const p = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${r.body.id}`);
    return g.body?.status === o.status ? g.body : undefined;
  }, 60_000);
  const row = await stack.pool.query<{ workflow_id: string }>(
    'SELECT workflow_id FROM payments WHERE id = $1',
    [p.id],
  );
  return {
    id: p.id,
    channelOutTradeNo: p.attempts[0].channelOutTradeNo,
    workflowId: row.rows[0]!.workflow_id,
  };
}

/** Starts (or reruns) the day's run through the API and waits for it to finish. */
export async function reconcile(
  stack: TestStack,
  channel: string,
  rerun = false,
  billDate = today(),
): Promise<any> {
  const r = await stack.api('POST', '/v1/ops/reconciliations', {
    key: OPERATOR_KEY_FOR_TESTS,
    body: { channel, billDate, reason: 'integration test', ...(rerun ? { rerun: true } : {}) },
  });
  expect([200, 202]).toContain(r.status);
  return eventually(
    async () => {
      const g = await stack.api('GET', `/v1/ops/reconciliations/${r.body.id}`, {
        key: OPERATOR_KEY_FOR_TESTS,
      });
      return g.body?.status === 'RUNNING' ? undefined : g.body;
    },
    120_000,
    300,
  );
}

/** A run's differences about the given trades, payments or refunds (the bill holds every test's trades). */
export function about(run: any, ...keys: string[]): any[] {
  return run.differences.filter((d: any) =>
    keys.some((k) =>
      [d.paymentId, d.channelTradeNo, d.channelOutTradeNo, d.refundId, d.outRefundNo].includes(k),
    ),
  );
}

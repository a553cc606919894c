import { PaymentClient } from '../../src/client/payment-client';
import { PaymentRepository } from '../../src/db/payment-repository';
import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';
import { paymentWorkflowId } from '../../src/domain/ids';
import { lateMoneyWorkflowId } from '../../src/workflows/contract';
import { eventually, inMinutes, startTestStack, type TestStack } from './support/test-stack';
import { createPayment, describeOrNull, workflowClosed } from './support/whole-life';
import { beijingDay } from '../../src/channels/beijing-time';
import { channelBill } from './support/channel-bill';

/**
 * End to end, late money after the payment's workflow ended: the late-money workflow (`late-<paymentId>`)
 * records and refunds it, and an operator query still asks the channel. Needs the late-money workflow
 * (branch h-core) and the sandbox's POST /sim/trades/{channelOutTradeNo}/notify (branch h-sandbox).
 */
describe('late money after the workflow ended', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      taskQueue: `life-late-${process.pid}`,
      workflowOptions: { graceMs: 3_000 },
    });
  });
  afterAll(async () => stack?.stop());

  /** The sandbox sends the trade's notify again now, as a channel retrying long after the fact. */
  async function resendNotify(channelOutTradeNo: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${stack.sandboxUrl}/sim/trades/${channelOutTradeNo}/notify`, { method: 'POST' });
    expect(res.status).toBe(200);
    return (await res.json()) as { status: number; body: string };
  }

  const lateRefunds = async (paymentId: string) =>
    (
      await stack.pool.query<{ status: string; amount: number; out_request_no: string }>(
        "SELECT status, amount, out_request_no FROM refunds WHERE payment_id = $1 AND kind = 'LATE_PAYMENT'",
        [paymentId],
      )
    ).rows;

  /** The channel's own bill: the late debit and one equal refund, nothing kept. */
  async function expectBilledAndRefunded(channelOutTradeNo: string, amount: number): Promise<void> {
    const rows = (await channelBill(stack.channels.get('sandbox'), beijingDay(new Date()))).filter(
      (r) => r.outTradeNo === channelOutTradeNo,
    );
    expect(rows.map((r) => [r.kind, r.amount]).sort()).toEqual([
      ['PAYMENT', amount],
      ['REFUND', amount],
    ]);
  }

  test('sim_pay_after_close with the money arriving inside the grace window: CLOSED, LATE_PAYMENT refunded in full', async () => {
    // A 60 s grace window: the debit 2 s after the close reaches the payment's own workflow, still open.
    const client = new PaymentClient(stack.client.temporal, {
      taskQueue: stack.taskQueue,
      records: new PaymentRepository(stack.pool),
      workflowOptions: { graceMs: 60_000 },
    });
    const outTradeNo = `life-in-grace-${Date.now()}`;
    const { payment } = await client.create('m_demo', {
      outTradeNo,
      amount: 2500,
      currency: 'CNY',
      subject: 'Late money in grace',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token: 'sim_pay_after_close' },
    });
    const closed = await stack.api('POST', `/v1/payments/${payment.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
    const refunds = await eventually(async () => {
      const r = await lateRefunds(payment.id);
      return r.length === 1 && r[0]!.status === 'SUCCEEDED' ? r : undefined;
    }, 60_000);
    expect(refunds[0]!.amount).toBe(2500);
    const late = await stack.pool.query('SELECT reason FROM late_payments WHERE payment_id = $1', [
      payment.id,
    ]);
    expect(late.rows).toEqual([{ reason: 'LATE_PAYMENT' }]);
    // Handled by the payment's own workflow: no late-money workflow was needed.
    expect(await describeOrNull(stack, lateMoneyWorkflowId(payment.id))).toBeNull();
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body).toMatchObject({ status: 'CLOSED' });
    await expectBilledAndRefunded(payment.attempts[0]!.channelOutTradeNo, 2500);
  });

  test('a paid payment: its notify resent after the grace window answers success and refunds nothing', async () => {
    const p = await createPayment(stack, {
      token: 'sim_success',
      orderDeadline: inMinutes(10),
      status: 'SUCCEEDED',
    });
    await workflowClosed(stack, p.workflowId);
    expect(await resendNotify(p.attempts[0]!.channelOutTradeNo)).toEqual({ status: 200, body: 'success' });
    expect(await workflowClosed(stack, lateMoneyWorkflowId(p.id))).toBe('COMPLETED');
    expect(await lateRefunds(p.id)).toEqual([]);
    const got = await stack.api('GET', `/v1/payments/${p.id}`);
    expect(got.body).toMatchObject({ status: 'SUCCEEDED', refundedAmount: 0 });
  });

  test('sim_pay_after_close with the money arriving after the grace window: CLOSED, refunded in full, once', async () => {
    // Its own client with a 300 ms grace window: the debit 2 s after the close lands after the workflow ended.
    const client = new PaymentClient(stack.client.temporal, {
      taskQueue: stack.taskQueue,
      records: new PaymentRepository(stack.pool),
      workflowOptions: { pollInitialMs: 1_000, pollMaxMs: 5_000, graceMs: 300 },
    });
    const body = {
      outTradeNo: `life-late-${Date.now()}`,
      amount: 1999,
      currency: 'CNY',
      subject: 'Late money',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token: 'sim_pay_after_close' },
    };
    const { payment } = await client.create('m_demo', body);
    expect((await client.close('m_demo', body.outTradeNo)).status).toBe('CLOSED');
    await workflowClosed(stack, paymentWorkflowId('m_demo', body.outTradeNo));

    const refunds = await eventually(async () => {
      const r = await lateRefunds(payment.id);
      return r.length === 1 && r[0]!.status === 'SUCCEEDED' ? r : undefined;
    }, 60_000);
    expect(refunds[0]!.amount).toBe(1999);
    const channelOutTradeNo = payment.attempts[0]!.channelOutTradeNo;
    const books = await stack.channels
      .get('sandbox')
      .refundQuery(channelOutTradeNo, refunds[0]!.out_request_no);
    expect(books).toMatchObject({ status: 'SUCCEEDED', amount: 1999 });
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.status).toBe('CLOSED');
    await expectBilledAndRefunded(channelOutTradeNo, 1999);

    // The channel retries the same notify later still: success again, no second refund.
    expect(await resendNotify(channelOutTradeNo)).toEqual({ status: 200, body: 'success' });
    await workflowClosed(stack, lateMoneyWorkflowId(payment.id));
    expect(await lateRefunds(payment.id)).toHaveLength(1);
  });

  test('an operator query after the workflow ended asks the channel through the late-money workflow', async () => {
    const p = await createPayment(stack, {
      token: 'sim_success',
      orderDeadline: inMinutes(10),
      status: 'SUCCEEDED',
    });
    await workflowClosed(stack, p.workflowId);
    const q = await stack.api('POST', `/v1/ops/payments/${p.id}/query`, {
      key: DEFAULT_DEMO_KEYS.operatorKey,
      body: { reason: 'late check' },
    });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ id: p.id, status: 'SUCCEEDED' });
    expect(await describeOrNull(stack, lateMoneyWorkflowId(p.id))).not.toBeNull();
  });
});

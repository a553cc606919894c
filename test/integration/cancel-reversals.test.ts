import type { CloseResult, QueryResult } from '../../src/channels/channel-port';
import { beijingDay } from '../../src/channels/beijing-time';
import { channelBill } from './support/channel-bill';
import { reconcile } from './support/reconciliation';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

/**
 * Found by the fault drill (README "Fault drills"): a merchant close the channel did not confirm (a close
 * error) is reversed with a cancel. (1) The cancel closed the unpaid trade, and the buyer's money arrived
 * after that close anyway (sim_pay_after_close, a delayed debit). The attempt had been recorded REVERSED,
 * which the late-money rule takes as "the reversal returned the money": the notify was ignored, the channel
 * kept the money, and reconciliation's repair could never settle (its run stayed RUNNING for minutes,
 * retrying it). A cancel that only closed is a close: the late money must be refunded. (2) The cancel
 * refunded a trade the buyer had paid: the bill's payment and the cancel's refund are no difference.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    taskQueue: `cancel-late-${process.pid}`,
    workflowOptions: { pollInitialMs: 300, pollMaxMs: 1_000, graceMs: 60_000 },
  });
});
afterAll(async () => stack?.stop());

/** The channel's close answers an error for these trades (as the drill's closeError does); its cancel works. */
function failingClose(): { trades: Set<string>; restore: () => void } {
  const sandbox = stack.channels.get('sandbox');
  const trades = new Set<string>();
  const realClose = sandbox.close.bind(sandbox);
  sandbox.close = (outTradeNo: string): Promise<CloseResult> =>
    trades.has(outTradeNo)
      ? Promise.resolve({ outcome: 'UNKNOWN', code: 'SYSTEM_ERROR', message: 'close refused (test)' })
      : realClose(outTradeNo);
  return { trades, restore: () => (sandbox.close = realClose) };
}

test('a close answered by a cancel that closed the trade, then the money arrives: CLOSED attempt, refunded in full at the channel', async () => {
  const sandbox = stack.channels.get('sandbox');
  const failClose = failingClose();
  try {
    const created = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo: orderNo('cancel-late'),
        amount: 3278,
        currency: 'CNY',
        subject: 'Cancel, then late money',
        orderDeadline: inMinutes(10),
        method: { type: 'bank_card', token: 'sim_pay_after_close' },
      },
    });
    expect(created.status).toBe(201);
    const payment = created.body as { id: string; attempts: { channelOutTradeNo: string }[] };
    const outTradeNo = payment.attempts[0]!.channelOutTradeNo;
    failClose.trades.add(outTradeNo);

    const closed = await stack.api('POST', `/v1/payments/${payment.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
    const refunds = await eventually(async () => {
      const r = await stack.pool.query<{ status: string; amount: string }>(
        "SELECT status, amount FROM refunds WHERE payment_id = $1 AND kind = 'LATE_PAYMENT'",
        [payment.id],
      );
      return r.rows.length === 1 && r.rows[0]!.status === 'SUCCEEDED' ? r.rows : undefined;
    }, 60_000);
    expect(Number(refunds[0]!.amount)).toBe(3278);
    // The channel's own books: the late debit and one equal refund, nothing kept.
    const rows = (await channelBill(sandbox, beijingDay(new Date()))).filter(
      (r) => r.outTradeNo === outTradeNo,
    );
    expect(rows.map((r) => [r.kind, r.amount]).sort()).toEqual([
      ['PAYMENT', 3278],
      ['REFUND', 3278],
    ]);
    // The cancel closed an unpaid trade: a close (its late money looked for), not a reversal that returned it.
    const after = (await stack.api('GET', `/v1/payments/${payment.id}`)).body as {
      status: string;
      refundedAmount: number;
      attempts: { status: string }[];
    };
    expect(after).toMatchObject({ status: 'CLOSED', refundedAmount: 0 });
    expect(after.attempts.map((a) => a.status)).toEqual(['CLOSED']);
  } finally {
    failClose.restore();
  }
});

test("a paid trade the cancel refunded: REVERSED, and reconciliation finds no difference in its payment and the cancel's refund", async () => {
  const sandbox = stack.channels.get('sandbox');
  const failClose = failingClose();
  const hidden = new Set<string>();
  const realQuery = sandbox.query.bind(sandbox);
  // Our queries cannot reach the channel for this trade, so the payment does not learn the buyer paid.
  sandbox.query = (outTradeNo: string): Promise<QueryResult> =>
    hidden.has(outTradeNo)
      ? Promise.resolve({ status: 'UNKNOWN', code: 'SYSTEM_ERROR', message: 'query refused (test)' })
      : realQuery(outTradeNo);
  try {
    const created = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo: orderNo('cancel-paid'),
        amount: 2961,
        currency: 'CNY',
        subject: 'Cancel of a paid trade',
        orderDeadline: inMinutes(10),
        channel: 'sandbox',
        method: { type: 'bank_card', token: 'sim_success_no_notify' },
      },
    });
    expect(created.status).toBe(201);
    const payment = created.body as { id: string; attempts: { channelOutTradeNo: string }[] };
    const outTradeNo = payment.attempts[0]!.channelOutTradeNo;
    hidden.add(outTradeNo);
    failClose.trades.add(outTradeNo);
    await eventually(async () => ((await realQuery(outTradeNo)).status === 'PAID' ? true : undefined));

    const closed = await stack.api('POST', `/v1/payments/${payment.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
    expect((closed.body as { attempts: { status: string }[] }).attempts[0]!.status).toBe('REVERSED');
    // The channel's books: paid, and refunded in full by the cancel (a refund of no number of ours).
    const rows = (await channelBill(sandbox, beijingDay(new Date()))).filter(
      (r) => r.outTradeNo === outTradeNo,
    );
    expect(rows.map((r) => [r.kind, r.amount]).sort()).toEqual([
      ['PAYMENT', 2961],
      ['REFUND', 2961],
    ]);

    const run = await reconcile(stack, 'sandbox', true);
    expect(run.status).toBe('COMPLETED');
    const mine = (run.differences as { paymentId: string | null; channelOutTradeNo: string | null }[]).filter(
      (d) => d.paymentId === payment.id || d.channelOutTradeNo === outTradeNo,
    );
    expect(mine).toEqual([]);
  } finally {
    failClose.restore();
    sandbox.query = realQuery;
  }
});

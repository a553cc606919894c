import { channelBill } from './support/channel-bill';
import {
  differenceKeysOf,
  insertGhostSuccess,
  outRequestNoOf,
  refundToEnd,
  repairsStartedBy,
  setFaults,
} from './support/recon-wechat';
import { about, createOn, OPERATOR_KEY_FOR_TESTS, reconcile, today } from './support/reconciliation';
import { eventually, inMinutes, inSeconds, startTestStack, type TestStack } from './support/test-stack';

/**
 * Reconciliation of a day on `sandbox_wechat` against WeChat's own trade bill (gzip, backticks, a BOM),
 * through the API and real traffic through the WeChat sandbox; the sandbox's books judge the money.
 * Polling is effectively off, so a trade paid without a notify stays unknown to us until reconciliation.
 */
const CHANNEL = 'sandbox_wechat';

describe('reconciliation on sandbox_wechat', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      taskQueue: `recon-wx-${process.pid}`,
      workflowOptions: { pollInitialMs: 3_600_000, pollMaxMs: 3_600_000, graceMs: 3_000 },
    });
  });
  afterAll(async () => stack?.stop());

  const wechat = () => stack.channels.get(CHANNEL);
  const bill = async (outTradeNo: string) =>
    (await channelBill(wechat(), today()))
      .filter((r) => r.outTradeNo === outTradeNo)
      .map((r) => [r.kind, r.amount, r.outRefundNo])
      .sort();
  const payment = async (id: string) => (await stack.api('GET', `/v1/payments/${id}`)).body;
  const refund = (paymentId: string, outRefundNo: string, amount: number) =>
    refundToEnd(stack, paymentId, outRefundNo, amount);

  test('matched payments and refunds, every difference, its repair, and a rerun that changes nothing', async () => {
    // Matched: a payment with a partial refund and then the rest; one fully refunded at once.
    const partly = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    const part1 = await refund(partly.id, 'wx-part-1', 500);
    const part2 = await refund(partly.id, 'wx-part-2', 734);
    const whole = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      amount: 888,
      orderDeadline: inMinutes(30),
    });
    const wholeRefund = await refund(whole.id, 'wx-whole', 888);
    // A refund WeChat ends CLOSED: FAILED here, no money moved there: no difference either way.
    const closedRefundPay = await createOn(stack, CHANNEL, {
      token: 'sim_refund_closed',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    const closedRefund = await refund(closedRefundPay.id, 'wx-closed', 300);
    expect([part1.status, part2.status, wholeRefund.status, closedRefund.status]).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
      'FAILED',
    ]);

    // CHANNEL_ONLY, known attempt: paid at WeChat, no notify ever sent, nobody polls.
    const lost = await createOn(stack, CHANNEL, {
      token: 'sim_success_no_notify',
      status: 'PROCESSING',
      orderDeadline: inMinutes(30),
    });
    await eventually(async () =>
      (await wechat().query(lost.channelOutTradeNo)).status === 'PAID' ? true : undefined,
    );

    // Late money the real-time path refunds (its notify arrives): matched both ways.
    const lateSeen = await createOn(stack, CHANNEL, {
      token: 'sim_pay_after_close',
      status: 'CLOSED',
      orderDeadline: inSeconds(4),
    });
    await eventually(async () => {
      const r = await stack.pool.query(
        "SELECT 1 FROM refunds WHERE payment_id = $1 AND kind = 'LATE_PAYMENT' AND status = 'SUCCEEDED'",
        [lateSeen.id],
      );
      return r.rowCount === 1 ? true : undefined;
    }, 60_000);
    // Late money whose notify is lost: only the bill tells, and reconciliation refunds it.
    await setFaults(stack, { seed: 7, notifyLoss: 1 });
    let lateLost: Awaited<ReturnType<typeof createOn>>;
    try {
      lateLost = await createOn(stack, CHANNEL, {
        token: 'sim_pay_after_close',
        status: 'CLOSED',
        orderDeadline: inSeconds(4),
      });
      await eventually(
        async () => ((await wechat().query(lateLost.channelOutTradeNo)).status === 'PAID' ? true : undefined),
        30_000,
      );
    } finally {
      await setFaults(stack, null);
    }
    expect(
      (await stack.pool.query('SELECT 1 FROM refunds WHERE payment_id = $1', [lateLost.id])).rowCount,
    ).toBe(0);

    // CHANNEL_ONLY, orphan: a paid WeChat trade nobody asked for.
    const orphanAnswer = await fetch(`${stack.sandboxUrl}/sim/orphan-trades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: CHANNEL, amount: 777 }),
    });
    expect(orphanAnswer.status).toBe(201);
    const orphan = (await orphanAnswer.json()) as { channel: string; outTradeNo: string; tradeNo: string };
    expect(orphan.channel).toBe(CHANNEL);
    expect(await wechat().query(orphan.outTradeNo)).toMatchObject({ status: 'PAID', amount: 777 });

    // AMOUNT_MISMATCH: the record tampered with after a real success.
    const tampered = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    await stack.pool.query('UPDATE payments SET amount = amount + 100 WHERE id = $1', [tampered.id]);

    // LOCAL_ONLY: a success in the record that WeChat never saw.
    const ghost = await insertGhostSuccess(stack, CHANNEL, 4321);

    const first = await reconcile(stack, CHANNEL, true);
    expect(first.status).toBe('COMPLETED');
    const pick = (run: any) => ({
      matched: about(run, ...[partly, whole, closedRefundPay, lateSeen].map((p) => p.id)),
      refunds: about(run, part1.id, part2.id, wholeRefund.id, closedRefund.id),
      lost: about(run, lost.id).map((d) => [d.type, d.resolution]),
      lateLost: about(run, lateLost.id).map((d) => [d.type, d.localAmount, d.channelAmount, d.resolution]),
      orphan: about(run, orphan.tradeNo).map((d) => [d.type, d.channelAmount, d.resolution]),
      tampered: about(run, tampered.id).map((d) => [d.type, d.localAmount, d.channelAmount, d.resolution]),
      ghost: about(run, ghost).map((d) => [d.type, d.localAmount, d.resolution]),
    });
    expect(pick(first)).toEqual({
      matched: [],
      refunds: [],
      lost: [['CHANNEL_ONLY', 'AUTO_FIXED']],
      lateLost: [['CHANNEL_ONLY', 1234, 1234, 'AUTO_REFUNDED']],
      orphan: [['CHANNEL_ONLY', 777, 'OPEN']],
      tampered: [['AMOUNT_MISMATCH', 1334, 1234, 'OPEN']],
      ghost: [['LOCAL_ONLY', 4321, 'OPEN']],
    });
    // This stack's WeChat sandbox holds only this test's trades: 8 payments and 4 refunds (the late money
    // refunded in real time included), of which 4 rows differ (lost, late and lost, orphan, tampered).
    expect(first.summary).toMatchObject({ channelRows: 12, matched: 8 });

    // The lost notify's payment is SUCCEEDED now.
    expect((await payment(lost.id)).status).toBe('SUCCEEDED');
    // The late money is refunded once, at WeChat: its refund query and its bill say so.
    const lateRefund = await eventually(async () => {
      const r = await stack.pool.query(
        "SELECT id, out_request_no, amount FROM refunds WHERE payment_id = $1 AND status = 'SUCCEEDED'",
        [lateLost.id],
      );
      return r.rowCount === 1 ? r.rows[0] : undefined;
    }, 30_000);
    expect(await wechat().refundQuery(lateLost.channelOutTradeNo, lateRefund.out_request_no)).toMatchObject({
      status: 'SUCCEEDED',
      amount: 1234,
    });
    expect((await payment(lateLost.id)).status).toBe('CLOSED');
    await eventually(
      async () => ((await bill(lateLost.channelOutTradeNo)).length === 2 ? true : undefined),
      30_000,
    );
    expect(await bill(lateLost.channelOutTradeNo)).toEqual([
      ['PAYMENT', 1234, null],
      ['REFUND', 1234, lateRefund.out_request_no],
    ]);
    // The bill as WeChat keeps it for the matched ones.
    expect(await bill(partly.channelOutTradeNo)).toEqual(
      [
        ['PAYMENT', 1234, null],
        ['REFUND', 500, await outRequestNoOf(stack, part1.id)],
        ['REFUND', 734, await outRequestNoOf(stack, part2.id)],
      ].sort(),
    );
    expect(await bill(closedRefundPay.channelOutTradeNo)).toEqual([['PAYMENT', 1234, null]]);
    expect(await bill(orphan.outTradeNo)).toEqual([['PAYMENT', 777, null]]);

    // Reruns: what was repaired is matched now; what is open is found again, with the same keys;
    // nothing is repaired twice.
    const second = await reconcile(stack, CHANNEL, true);
    const third = await reconcile(stack, CHANNEL, true);
    expect(second.id).not.toBe(first.id);
    const settled = { ...pick(first), lost: [], lateLost: [] };
    expect(pick(second)).toEqual(settled);
    expect(pick(third)).toEqual(settled);
    // The late money's refund is one row more; the lost notify and the late money are matched now.
    expect(second.summary).toMatchObject({ channelRows: 13, matched: 11 });
    // The same difference keys (as stored), and no repair started by a rerun.
    const keysOf = (run: any) =>
      differenceKeysOf(stack, run.id, [tampered.id, ghost, lost.id, lateLost.id], orphan.tradeNo);
    const firstKeys = await keysOf(first);
    expect(firstKeys).toHaveLength(5);
    const openKeys = firstKeys.filter(
      (k) => !k.startsWith('CHANNEL_ONLY:pay:sandbox_wechat:') || k.endsWith(orphan.tradeNo),
    );
    expect(openKeys).toHaveLength(3);
    expect(await keysOf(second)).toEqual(openKeys);
    expect(await keysOf(third)).toEqual(openKeys);
    expect(await repairsStartedBy(stack, [first.id])).toEqual(['AUTO_FIXED', 'AUTO_REFUNDED']);
    expect(await repairsStartedBy(stack, [second.id, third.id])).toEqual([]);
    expect(await bill(lateLost.channelOutTradeNo)).toHaveLength(2);
    expect(await bill(orphan.outTradeNo)).toEqual([['PAYMENT', 777, null]]);
    expect((await payment(lost.id)).status).toBe('SUCCEEDED');

    // Open differences are in front of an operator.
    const exceptions = await stack.api('GET', '/v1/ops/exceptions', { key: OPERATOR_KEY_FOR_TESTS });
    expect(exceptions.status).toBe(200);
    expect(JSON.stringify(exceptions.body)).toContain(ghost);
  }, 300_000);
});

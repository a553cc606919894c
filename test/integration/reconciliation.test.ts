import { randomUUID } from 'node:crypto';
import { beijingDayBounds, previousBeijingDay, reconWorkflowId } from '../../src/domain/reconciliation';
import { channelBill } from './support/channel-bill';
import { about, createOn, OPERATOR_KEY_FOR_TESTS, reconcile, today } from './support/reconciliation';
import {
  eventually,
  inMinutes,
  inSeconds,
  MERCHANT_KEY,
  startTestStack,
  type TestStack,
} from './support/test-stack';

/**
 * Reconciliation end to end on `sandbox_backup` (the quieter account): every difference type, every
 * repair, reruns that change nothing, and the sandbox's own bill as the judge of the money.
 * Polling is effectively off, so a trade paid without a notify stays unknown to us until reconciliation.
 */
const CHANNEL = 'sandbox_backup';

describe('reconciliation against the daily bill', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      taskQueue: `recon-${process.pid}`,
      workflowOptions: { pollInitialMs: 3_600_000, pollMaxMs: 3_600_000, graceMs: 3_000 },
    });
  });
  afterAll(async () => stack?.stop());

  const bill = async (outTradeNo: string) =>
    (await channelBill(stack.channels.get(CHANNEL), today()))
      .filter((r) => r.outTradeNo === outTradeNo)
      .map((r) => [r.kind, r.amount, r.outRefundNo]);
  const payment = async (id: string) => (await stack.api('GET', `/v1/payments/${id}`)).body;

  test('every difference type, its repair, and reruns that repair nothing twice', async () => {
    // CHANNEL_ONLY, known attempt: paid at the channel, the notify never sent, nobody polls.
    const lost = await createOn(stack, CHANNEL, {
      token: 'sim_success_no_notify',
      status: 'PROCESSING',
      orderDeadline: inMinutes(30),
    });
    await eventually(async () =>
      (await stack.channels.get(CHANNEL).query(lost.channelOutTradeNo)).status === 'PAID' ? true : undefined,
    );
    // CHANNEL_ONLY, orphan: a paid trade nobody asked for.
    const orphan = (await (
      await fetch(`${stack.sandboxUrl}/sim/orphan-trades`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: CHANNEL, amount: 777 }),
      })
    ).json()) as { outTradeNo: string; tradeNo: string };
    // Late money: paid after the close, refunded automatically by the real-time path: matched both ways.
    const late = await createOn(stack, CHANNEL, {
      token: 'sim_pay_after_close',
      status: 'CLOSED',
      orderDeadline: inSeconds(4),
    });
    await eventually(async () => {
      const r = await stack.pool.query(
        "SELECT 1 FROM refunds WHERE payment_id = $1 AND status = 'SUCCEEDED'",
        [late.id],
      );
      return r.rowCount === 1 ? true : undefined;
    }, 60_000);
    // AMOUNT_MISMATCH: the record tampered with after a real success.
    const tampered = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    await stack.pool.query('UPDATE payments SET amount = amount + 100 WHERE id = $1', [tampered.id]);
    // STATUS_MISMATCH: refunded at the channel, FAILED in the record (tampered).
    const refunded = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    const ref = await stack.api('POST', `/v1/payments/${refunded.id}/refunds`, {
      key: MERCHANT_KEY,
      body: { outRefundNo: 'r1', amount: 500 },
    });
    expect(ref.status).toBe(201);
    await eventually(async () =>
      (await stack.api('GET', `/v1/refunds/${ref.body.id}`)).body.status === 'SUCCEEDED' ? true : undefined,
    );
    await stack.pool.query("UPDATE refunds SET status = 'FAILED', succeeded_at = NULL WHERE id = $1", [
      ref.body.id,
    ]);
    // DUPLICATE_PAYMENT: a second attempt paid at the channel besides the success (its workflow has ended).
    const dup = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    const dupTradeNo = `${dup.id}-2`;
    await stack.pool.query(
      `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, created_at, updated_at)
       VALUES ($1, 2, $2, $3, 'FAILED', now(), now())`,
      [dup.id, CHANNEL, dupTradeNo],
    );
    const paid = await stack.channels.get(CHANNEL).pay({
      outTradeNo: dupTradeNo,
      amount: 1234,
      currency: 'CNY',
      subject: 'duplicate',
      expiresAt: new Date(Date.now() + 600_000),
      method: { type: 'bank_card', token: 'sim_success_no_notify' },
    });
    expect(paid.outcome).not.toBe('DECLINED');
    await eventually(async () =>
      (await stack.channels.get(CHANNEL).query(dupTradeNo)).status === 'PAID' ? true : undefined,
    );
    // LOCAL_ONLY: a success in the record that the channel never saw.
    const ghost = `pay_${randomUUID().replaceAll('-', '')}`;
    await stack.pool.query(
      `INSERT INTO payments (id, merchant_id, out_trade_no, amount, currency, subject, status, order_deadline,
         expires_at, channel, transaction_type, source, workflow_id, paid_at, created_at, updated_at)
       VALUES ($1, 'm_demo', $1, 4321, 'CNY', 'ghost', 'SUCCEEDED', now(), now(), $2, 'PURCHASE', 'ONLINE',
         'payment-m_demo-' || $1, now(), now(), now())`,
      [ghost, CHANNEL],
    );
    await stack.pool.query(
      `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, created_at, updated_at)
       VALUES ($1, 1, $2, $1 || '-1', 'SUCCEEDED', now(), now())`,
      [ghost, CHANNEL],
    );

    const first = await reconcile(stack, CHANNEL, true);
    expect(first.status).toBe('COMPLETED');
    expect(first.summary.channelRows).toBeGreaterThanOrEqual(first.summary.matched);
    const pick = (run: any) => ({
      lost: about(run, lost.id).map((d) => [d.type, d.resolution]),
      orphan: about(run, orphan.tradeNo).map((d) => [d.type, d.resolution]),
      late: about(run, late.id),
      tampered: about(run, tampered.id).map((d) => [d.type, d.localAmount, d.channelAmount, d.resolution]),
      refunded: about(run, ref.body.id).map((d) => [d.type, d.resolution]),
      dup: about(run, dupTradeNo).map((d) => [d.type, d.resolution]),
      ghost: about(run, ghost).map((d) => [d.type, d.resolution]),
    });
    expect(pick(first)).toEqual({
      lost: [['CHANNEL_ONLY', 'AUTO_FIXED']],
      orphan: [['CHANNEL_ONLY', 'OPEN']],
      late: [],
      tampered: [['AMOUNT_MISMATCH', 1334, 1234, 'OPEN']],
      refunded: [['STATUS_MISMATCH', 'OPEN']],
      dup: [['DUPLICATE_PAYMENT', 'AUTO_REFUNDED']],
      ghost: [['LOCAL_ONLY', 'OPEN']],
    });
    expect((await payment(lost.id)).status).toBe('SUCCEEDED');
    // The duplicate is refunded once at the channel.
    await eventually(async () => ((await bill(dupTradeNo)).length === 2 ? true : undefined), 30_000);
    expect((await bill(dupTradeNo)).map((r) => r.slice(0, 2)).sort()).toEqual([
      ['PAYMENT', 1234],
      ['REFUND', 1234],
    ]);

    // Reruns: what was repaired is matched now; what is open is found again; nothing is repaired twice.
    const second = await reconcile(stack, CHANNEL, true);
    const third = await reconcile(stack, CHANNEL, true);
    expect(second.id).not.toBe(first.id);
    const settled = {
      ...pick(first),
      lost: [],
      dup: [],
    };
    expect(pick(second)).toEqual(settled);
    expect(pick(third)).toEqual(settled);
    expect((await bill(dupTradeNo)).filter((r) => r[0] === 'REFUND')).toHaveLength(1);
    expect(await bill(orphan.outTradeNo)).toEqual([['PAYMENT', 777, null]]);
    // No repair was started by the reruns.
    const again2 = await stack.pool.query(
      'SELECT count(*)::int AS n FROM reconciliation_repairs WHERE run_id = ANY($1)',
      [[second.id, third.id]],
    );
    expect(again2.rows[0].n).toBe(0);

    // A run for a finished day answers that run unless rerun is asked for.
    const again = await stack.api('POST', '/v1/ops/reconciliations', {
      key: OPERATOR_KEY_FOR_TESTS,
      body: { channel: CHANNEL, billDate: today(), reason: 'look again' },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(third.id);

    // CSV of the differences.
    const csv = await stack.api('GET', `/v1/ops/reconciliations/${third.id}/differences`, {
      key: OPERATOR_KEY_FOR_TESTS,
      headers: { accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0] ?? csv.text.split('\n')[0]).toMatch(
      /^type,paymentId,refundId,channelTradeNo/,
    );
    expect(csv.text).toContain(ghost);
  }, 240_000);

  test("started without a day (as the daily Schedule does), a run reconciles the Beijing day before, in that day's workflow", async () => {
    const handle = await stack.client.temporal.workflow.start('reconciliationWorkflow', {
      workflowId: `recon-${CHANNEL}-daily-test-${process.pid}`,
      taskQueue: stack.taskQueue,
      args: [{ channel: CHANNEL }],
    });
    const result = await handle.result();
    const yesterday = previousBeijingDay(new Date());
    expect(result).toMatchObject({ billDate: yesterday, phase: 'COMPLETED' });
    const child = stack.client.temporal.workflow.getHandle(reconWorkflowId(CHANNEL, yesterday));
    await child.result();
    const runs = await stack.pool.query(
      'SELECT status FROM reconciliation_runs WHERE channel = $1 AND bill_date = $2 AND workflow_id = $3',
      [CHANNEL, yesterday, reconWorkflowId(CHANNEL, yesterday)],
    );
    expect(runs.rows).toEqual([{ status: 'COMPLETED' }]);
  }, 120_000);

  test('midnight: a success we book just before midnight that the channel booked the next day is no difference', async () => {
    const yesterday = previousBeijingDay(new Date());
    const lateEvening = new Date(beijingDayBounds(yesterday).end.getTime() - 5 * 60_000);
    // A real trade, paid today at the channel; the record says 23:55 yesterday (clock skew, tampered here).
    const skewed = await createOn(stack, CHANNEL, {
      token: 'sim_success',
      status: 'SUCCEEDED',
      orderDeadline: inMinutes(30),
    });
    await stack.pool.query('UPDATE payments SET paid_at = $2 WHERE id = $1', [skewed.id, lateEvening]);
    // The control: a success at the same moment that no bill holds.
    const ghost = `pay_${randomUUID().replaceAll('-', '')}`;
    await stack.pool.query(
      `INSERT INTO payments (id, merchant_id, out_trade_no, amount, currency, subject, status, order_deadline,
         expires_at, channel, transaction_type, source, workflow_id, paid_at, created_at, updated_at)
       VALUES ($1, 'm_demo', $1, 99, 'CNY', 'ghost', 'SUCCEEDED', now(), now(), $2, 'PURCHASE', 'ONLINE',
         'payment-m_demo-' || $1, $3, now(), now())`,
      [ghost, CHANNEL, lateEvening],
    );
    await stack.pool.query(
      `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, created_at, updated_at)
       VALUES ($1, 1, $2, $1 || '-1', 'SUCCEEDED', now(), now())`,
      [ghost, CHANNEL],
    );
    const run = await reconcile(stack, CHANNEL, true, yesterday);
    expect(run.status).toBe('COMPLETED');
    expect(about(run, skewed.id)).toEqual([]);
    expect(about(run, ghost).map((d) => d.type)).toEqual(['LOCAL_ONLY']);
    // Today's bill row matches the attempt whatever day we booked it on.
    const todays = await reconcile(stack, CHANNEL, true);
    expect(about(todays, skewed.id)).toEqual([]);
  }, 120_000);
});

import { channelBill } from './support/channel-bill';
import { about, reconcile, today } from './support/reconciliation';
import { repairsStartedBy } from './support/recon-wechat';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * Orphan policy REFUND on `sandbox_wechat`: reconciliation refunds a WeChat trade nobody asked for, under
 * its one request number, and WeChat's refund (PROCESSING first, SUCCESS after) is waited for, not
 * taken for done; the WeChat sandbox's own refund query and bill show it once, however often the day is
 * run again.
 */
const CHANNEL = 'sandbox_wechat';

describe('an orphan WeChat trade under orphan policy REFUND', () => {
  let stack: TestStack;
  const policy = process.env.RECON_ORPHAN_POLICY;
  beforeAll(async () => {
    process.env.RECON_ORPHAN_POLICY = 'REFUND';
    stack = await startTestStack({ taskQueue: `recon-wx-orphan-${process.pid}` });
  });
  afterAll(async () => {
    await stack?.stop();
    if (policy === undefined) delete process.env.RECON_ORPHAN_POLICY;
    else process.env.RECON_ORPHAN_POLICY = policy;
  });

  test('is refunded once at WeChat and matched on reruns', async () => {
    const res = await fetch(`${stack.sandboxUrl}/sim/orphan-trades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: CHANNEL, amount: 555 }),
    });
    expect(res.status).toBe(201);
    const orphan = (await res.json()) as { outTradeNo: string; tradeNo: string };
    const requestNo = `recon-orphan-${orphan.tradeNo}`;

    const first = await reconcile(stack, CHANNEL, true);
    expect(first.status).toBe('COMPLETED');
    expect(about(first, orphan.tradeNo).map((d) => [d.type, d.channelAmount, d.resolution])).toEqual([
      ['CHANNEL_ONLY', 555, 'AUTO_REFUNDED'],
    ]);
    // The sandbox's books: the refund exists and succeeded, and the bill shows it once.
    const wechat = stack.channels.get(CHANNEL);
    expect(await wechat.refundQuery(orphan.outTradeNo, requestNo)).toMatchObject({
      status: 'SUCCEEDED',
      amount: 555,
    });
    const rowsOf = async () =>
      (await channelBill(wechat, today()))
        .filter((r) => r.outTradeNo === orphan.outTradeNo)
        .map((r) => [r.kind, r.amount, r.outRefundNo]);
    expect(await rowsOf()).toEqual([
      ['PAYMENT', 555, null],
      ['REFUND', 555, requestNo],
    ]);

    // A rerun copies the repair's resolution without acting; the refund row is ours: no difference.
    const rerun = await reconcile(stack, CHANNEL, true);
    expect(about(rerun, orphan.tradeNo).map((d) => [d.type, d.resolution])).toEqual([
      ['CHANNEL_ONLY', 'AUTO_REFUNDED'],
    ]);
    expect(about(rerun, requestNo)).toEqual([]);
    expect(await repairsStartedBy(stack, [first.id])).toEqual(['AUTO_REFUNDED']);
    expect(await repairsStartedBy(stack, [rerun.id])).toEqual([]);
    expect(await rowsOf()).toHaveLength(2);
  }, 180_000);
});

import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { channelBill } from './support/channel-bill';
import { kill, spawnWorker, waitForLine } from './support/child-worker';
import { about, OPERATOR_KEY_FOR_TESTS, reconcile, today } from './support/reconciliation';
import { eventually, startTestStack, type TestStack } from './support/test-stack';

/**
 * A reconciliation run whose worker is SIGKILLed right after a repair committed (its result never
 * reported): the run resumes on a new worker, completes, and the orphan it refunds is refunded once at
 * the channel, however often the day is run again. Orphan policy REFUND here.
 */
const CHANNEL = 'sandbox';

describe('reconciliation worker killed mid-run', () => {
  let stack: TestStack;
  const policy = process.env.RECON_ORPHAN_POLICY;
  beforeAll(async () => {
    process.env.RECON_ORPHAN_POLICY = 'REFUND';
    stack = await startTestStack({ taskQueue: `recon-crash-${process.pid}`, worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
    if (policy === undefined) delete process.env.RECON_ORPHAN_POLICY;
    else process.env.RECON_ORPHAN_POLICY = policy;
  });

  test('resumes on another worker without refunding twice', async () => {
    const res = await fetch(`${stack.sandboxUrl}/sim/orphan-trades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: CHANNEL, amount: 888 }),
    });
    const orphan = (await res.json()) as { outTradeNo: string; tradeNo: string };

    const child = spawnWorker(stack, {
      entry: join(__dirname, 'support', 'crash-worker.ts'),
      env: {
        RECON_ORPHAN_POLICY: 'REFUND',
        CRASH_AFTER_ACTIVITY: 'repairDifference',
        CRASH_MARKER: join(tmpdir(), `recon-crash-${process.pid}-${Date.now()}`),
      },
    });
    await waitForLine(child, /polling/);
    const started = await stack.api('POST', '/v1/ops/reconciliations', {
      key: OPERATOR_KEY_FOR_TESTS,
      body: { channel: CHANNEL, billDate: today(), reason: 'crash drill', rerun: true },
    });
    expect(started.status).toBe(202);
    const exited = await eventually(
      async () => (child.exitCode !== null || child.signalCode !== null ? child.signalCode : undefined),
      90_000,
    );
    expect(exited).toBe('SIGKILL');
    await kill(child, 'SIGKILL');

    await stack.startWorker();
    const run = await eventually(
      async () => {
        const g = await stack.api('GET', `/v1/ops/reconciliations/${started.body.id}`, {
          key: OPERATOR_KEY_FOR_TESTS,
        });
        return g.body?.status === 'RUNNING' ? undefined : g.body;
      },
      150_000,
      500,
    );
    expect(run.status).toBe('COMPLETED');
    expect(about(run, orphan.tradeNo).map((d: any) => [d.type, d.resolution])).toEqual([
      ['CHANNEL_ONLY', 'AUTO_REFUNDED'],
    ]);

    const rerun = await reconcile(stack, CHANNEL, true);
    expect(about(rerun, orphan.tradeNo).map((d: any) => [d.type, d.resolution])).toEqual([
      ['CHANNEL_ONLY', 'AUTO_REFUNDED'],
    ]);
    // The orphan's refund row is ours (matched): no difference about it.
    expect(about(rerun, `recon-orphan-${orphan.tradeNo}`)).toEqual([]);
    const rows = (await channelBill(stack.channels.get(CHANNEL), today())).filter(
      (r) => r.outTradeNo === orphan.outTradeNo,
    );
    expect(rows.map((r) => [r.kind, r.amount, r.outRefundNo]).sort()).toEqual([
      ['PAYMENT', 888, null],
      ['REFUND', 888, `recon-orphan-${orphan.tradeNo}`],
    ]);
  }, 300_000);
});

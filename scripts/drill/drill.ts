import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { DrillApi } from './api-client';
import { CHAOS_KINDS, chaosPlan, strike, type ChaosKind, type DownWindow } from './chaos';
import { billDays, readChannelBooks } from './channel-books';
import { judge } from './judge';
import { CreateGate, emptyLoadCounts, runPayment } from './load';
import { MerchantReceiver } from './merchant-receiver';
import { fundChecks, reconcile } from './ops-checks';
import { parseDrillOptions } from './options';
import { readOurRecord, type OurRecord } from './our-record';
import { scenarioFor } from './payment-scenario';
import { seeded } from './prng';
import { printReport } from './report';
import { FaultLedger } from './sandbox-faults';
import { DrillStack } from './stack';

/** A share of the merchant endpoint's deliveries that fail (HTTP 500). */
const MERCHANT_FAIL_SHARE = 0.25;
const SETTLE_LIMIT_MS = 150_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** `npm run drill`: see README "Fault drills". Exits 1 when an invariant is broken, 2 when the drill fails. */
async function main(): Promise<number> {
  const opts = parseDrillOptions(process.argv.slice(2));
  const log = (line: string): void => void process.stderr.write(`[drill] ${line}\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
  log(`data in ${dataDir}; ${opts.payments} payments over ${opts.durationMs / 1000} s, seed ${opts.seed}`);
  const stack = await DrillStack.start(dataDir, log);
  const receiver = new MerchantReceiver(MERCHANT_FAIL_SHARE, opts.seed);
  const notifyUrl = await receiver.start();
  const api = new DrillApi(stack.apiUrl);
  const faults = new FaultLedger(stack.sandboxUrl, opts.seed);
  await faults.set();
  const sampler = setInterval(() => {
    stack.sampleWorkerRss();
    void faults.sample();
  }, 1000);

  const counts = emptyLoadCounts();
  const chaos = Object.fromEntries(CHAOS_KINDS.map((k) => [k, 0])) as Record<ChaosKind, number>;
  const windows: DownWindow[] = [];
  const bar = opts.quiet
    ? null
    : new SingleBar(
        { format: 'drill |{bar}| {value}/{total} payments done | {phase}', hideCursor: true },
        Presets.shades_classic,
      );
  bar?.start(opts.payments, 0, { phase: 'load' });
  const phase = (name: string): void => (bar ? bar.update({ phase: name }) : log(name));

  const startedAt = Date.now();
  const random = seeded(opts.seed);
  const tasks: Promise<void>[] = [];
  const gate = new CreateGate(opts.concurrency);
  const loading = (async () => {
    for (let i = 0; i < opts.payments; i += 1) {
      await sleep(startedAt + (i * opts.durationMs) / opts.payments - Date.now());
      await gate.enter();
      const scenario = scenarioFor(i, opts.seed, random);
      const task = runPayment(api, scenario, { deadlineMs: opts.deadlineMs, notifyUrl, gate }, counts)
        .catch((err: unknown) => log(`payment ${scenario.outTradeNo}: ${String(err)}`))
        .finally(() => bar?.increment());
      tasks.push(task);
    }
  })();
  loading.catch(() => undefined); // awaited below, after the kills and restarts
  const chaosRandom = seeded(opts.seed + 1);
  for (const { at, kind } of chaosPlan(chaosRandom, opts.durationMs, opts.workerKills)) {
    await sleep(startedAt + at - Date.now());
    phase(`${kind}…`);
    windows.push(
      await strike(
        stack,
        kind,
        chaosRandom,
        () => faults.endLife(),
        () => faults.set(),
      ),
    );
    chaos[kind] += 1;
    phase('load');
  }
  await loading;
  phase('waiting for the last payments');
  await Promise.all(tasks);
  const loadEndedAt = Date.now();

  phase('faults cleared, settling');
  await faults.clear();
  await settle(stack.database, SETTLE_LIMIT_MS);
  phase('reconciliation and fund checks');
  const days = billDays(startedAt, Date.now());
  const reconciliation = await reconcile(api, days);
  const funds = await fundChecks(api);
  // Repairs (automatic refunds) that reconciliation started, then the books as they stand.
  const record = await settle(stack.database, 60_000);
  const settledAt = Date.now();
  bar?.stop();
  clearInterval(sampler);
  const books = await readChannelBooks(stack.sandboxUrl, days);
  const verdicts = judge({
    record,
    books,
    received: receiver.events,
    requests: api.records,
    windows,
    load: counts,
    reconciliation,
    fundChecks: funds,
  });
  const byKind: Record<string, number> = {};
  for (const r of record.refunds) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  printReport(
    {
      seed: opts.seed,
      durationS: Math.round((loadEndedAt - startedAt) / 1000),
      load: counts,
      refunds: { total: record.refunds.length, byKind },
      chaos,
      faults: faults.totals(),
      merchantFailures: receiver.failed,
      peakWorkerRssMb: Math.round(stack.sampleWorkerRss() / 1024),
      settleS: Math.round((settledAt - loadEndedAt) / 1000),
    },
    verdicts,
  );
  await stack.stop();
  await receiver.stop();
  if (process.env.DRILL_KEEP_DATA) log(`data kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
  return verdicts.some((v) => v.broken > 0) ? 1 : 0;
}

/**
 * Waits (bounded) until every payment and refund is final, every late money recorded has its automatic
 * refund (a repair records it a moment before the refund exists), and no merchant event is still pending.
 */
async function settle(databaseUrl: string, withinMs: number): Promise<OurRecord> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const record = await readOurRecord(databaseUrl, 'drill-');
    const autoRefunded = new Set(
      record.refunds.filter((r) => r.kind !== 'MERCHANT').map((r) => `${r.paymentId}:${r.attemptNo}`),
    );
    const open =
      record.payments.some((p) => !['SUCCEEDED', 'FAILED', 'CLOSED'].includes(p.status)) ||
      record.refunds.some((r) => r.status === 'PROCESSING') ||
      record.latePayments.some((l) => !autoRefunded.has(`${l.paymentId}:${l.attemptNo}`)) ||
      record.notifications.some((n) => n.status === 'PENDING');
    if (!open || Date.now() > deadline) return record;
    await sleep(2000);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);

// npm run reconcile -- --channel sandbox --date 2026-12-01 [--rerun] [--reason "…"]
// Starts (or answers) the day's reconciliation run through the running service's API
// (RECON_API_URL, default http://127.0.0.1:$PORT or :3000; OPERATOR_API_KEY, default the demo operator key),
// shows a progress bar while the bill is read, and prints the summary and the differences.
import { SingleBar, Presets } from 'cli-progress';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    channel: { type: 'string' },
    date: { type: 'string' },
    rerun: { type: 'boolean', default: false },
    reason: { type: 'string', default: 'command line' },
  },
});
if (!values.channel || !values.date) {
  console.error('usage: npm run reconcile -- --channel <account> --date YYYY-MM-DD [--rerun] [--reason "…"]');
  process.exit(2);
}
const base = process.env.RECON_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const key = process.env.OPERATOR_API_KEY ?? 'sk_test_demo_operator';
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

interface Run {
  id: string;
  status: string;
  progress: { rowsRead: number };
  summary: { channelRows: number; localRows: number; matched: number; differences: number };
  differences: Array<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const res = await fetch(`${base}/v1/ops/reconciliations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      channel: values.channel,
      billDate: values.date,
      reason: values.reason,
      rerun: values.rerun,
    }),
  });
  const body = (await res.json()) as Run & { detail?: string };
  if (res.status !== 200 && res.status !== 202)
    throw new Error(`${res.status}: ${body.detail ?? JSON.stringify(body)}`);
  if (res.status === 200)
    console.log(`the day was reconciled already (run ${body.id}); --rerun runs it again`);

  // The total is not known until the bill is read: the bar's end moves ahead of the rows read.
  const bar = new SingleBar({ format: 'bill {bar} {value} rows read | {status}' }, Presets.shades_classic);
  bar.start(1, 0, { status: body.status });
  let run = body;
  while (run.status === 'RUNNING') {
    await new Promise((r) => setTimeout(r, 300));
    const g = await fetch(`${base}/v1/ops/reconciliations/${body.id}`, { headers });
    run = (await g.json()) as Run;
    const read = run.progress.rowsRead;
    bar.setTotal(Math.max(read, Math.ceil(read * 1.25), 1));
    bar.update(read, { status: run.summary.channelRows > 0 ? 'matching and repairing' : 'reading the bill' });
  }
  bar.setTotal(Math.max(run.progress.rowsRead, 1));
  bar.update(run.progress.rowsRead, { status: run.status });
  bar.stop();

  console.log(`run ${run.id}: ${run.status}`);
  console.log(`summary: ${JSON.stringify(run.summary)}`);
  for (const d of run.differences) {
    console.log(
      `  ${String(d.type)} ${String(d.resolution)} payment=${String(d.paymentId)} trade=${String(d.channelTradeNo)} local=${String(d.localAmount)} channel=${String(d.channelAmount)}`,
    );
  }
  if (run.status !== 'COMPLETED') process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

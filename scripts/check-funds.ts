// `npm run check-funds [-- --reason "…"]`: runs the fund-safety checks against DATABASE_URL, stores the run,
// prints one line per check and every finding, and exits 1 when anything was found (0 when clean, 2 on error).
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { runFundChecks } from '../src/db/fund-checks/run-fund-checks';
import { parseFundCheckSettings } from '../src/domain/fund-check-settings';
import { FUND_CHECKS } from '../src/domain/fund-checks';

function reasonFrom(argv: readonly string[]): string {
  const i = argv.indexOf('--reason');
  const given = i >= 0 ? argv[i + 1] : undefined;
  return given && given.trim().length >= 3 ? given.trim().slice(0, 500) : 'npm run check-funds';
}

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write(
      'check-funds needs DATABASE_URL (e.g. postgres://user:pass@127.0.0.1:5432/payments): set it and run again.\n',
    );
    return 2;
  }
  const settings = parseFundCheckSettings(process.env);
  const pool = createPool(url, 2);
  try {
    await migrate(pool);
    const run = await runFundChecks(pool, {
      settings,
      reason: reasonFrom(process.argv),
      who: 'cli:check-funds',
    });
    const family = new Map<string, string>(FUND_CHECKS.map((c) => [c.name, c.family]));
    const rows = run.tallies.map((t) => [
      t.check,
      family.get(t.check) ?? '',
      String(t.checked),
      String(t.findings),
    ]);
    const head = ['check', 'family', 'checked', 'findings'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]): string =>
      cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
    const out = [
      `fund-check run ${run.id} at ${run.checkedAt}`,
      line(head),
      line(widths.map((w) => '-'.repeat(w))),
    ];
    out.push(...rows.map(line));
    if (run.findings.length > 0) out.push('', `${run.findings.length} finding(s):`);
    for (const f of run.findings) {
      out.push(`  ${f.check}  payment=${f.paymentId ?? '-'}  refund=${f.refundId ?? '-'}  ${f.detail}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return run.findings.length > 0 ? 1 : 0;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`check-funds failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);

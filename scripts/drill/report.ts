import type { ChaosKind } from './chaos';
import type { Verdict } from './judge';
import type { LoadCounts } from './load';

export interface DrillFigures {
  seed: number;
  durationS: number;
  load: LoadCounts;
  refunds: { total: number; byKind: Record<string, number> };
  chaos: Record<ChaosKind, number>;
  faults: Record<string, number>;
  merchantFailures: number;
  peakWorkerRssMb: number;
  settleS: number;
}

/** The drill's figures and the invariants table, as the README shows them. */
export function printReport(f: DrillFigures, verdicts: Verdict[]): void {
  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  out();
  out(
    `fault drill, seed ${f.seed}: ${f.load.payments} payments in ${f.durationS} s, settled ${f.settleS} s later`,
  );
  out(
    `  load: ${f.load.duplicateCreates} concurrent duplicate creates, ${f.load.payAgains} pay-agains, ` +
      `${f.load.merchantCloses} merchant closes, ${f.load.refundsAsked} refund requests ` +
      `(${f.load.overRefundsRefused} over-refunds refused), ${f.load.notCreated} creates never answered`,
  );
  const byKind = Object.entries(f.refunds.byKind).map(([kind, n]) => `${kind} ${n}`);
  out(`  refunds recorded: ${f.refunds.total} (${byKind.join(', ') || 'none'})`);
  out(
    `  kills and restarts: ${Object.entries(f.chaos)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  out(
    `  faults injected: ${Object.entries(f.faults)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  out(`  merchant endpoint failures (500): ${f.merchantFailures}`);
  out(`  worker peak RSS: ${f.peakWorkerRssMb} MB`);
  out();
  const width = Math.max(...verdicts.map((v) => v.invariant.length));
  out(`${'invariant'.padEnd(width)}  checked   broken`);
  for (const v of verdicts) {
    const checked = v.checked === null ? 'not available on this build' : String(v.checked).padStart(7);
    out(`${v.invariant.padEnd(width)}  ${checked}${v.checked === null ? '' : String(v.broken).padStart(9)}`);
    for (const example of v.examples) out(`    ${example}`);
  }
  const broken = verdicts.filter((v) => v.broken > 0).length;
  const unchecked = verdicts.filter((v) => v.checked === null).length;
  out();
  out(
    broken > 0
      ? `BROKEN: ${broken} invariant(s)`
      : `all checked invariants hold${unchecked ? ` (${unchecked} not available on this build, NOT checked)` : ''}`,
  );
}

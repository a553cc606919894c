import { parseArgs } from 'node:util';

/** `npm run drill -- --payments N --seed S --duration SECONDS [--deadline S] [--concurrency C] [--quiet]`. */
export interface DrillOptions {
  payments: number;
  seed: number;
  /** How long the load and the faults last, in ms. */
  durationMs: number;
  /** Each payment's orderDeadline from its creation, in ms: unpaid ones end by then. */
  deadlineMs: number;
  /** SIGKILLs of a worker during the load (each restarted); the other kinds happen once each. */
  workerKills: number;
  /** Creates in flight at most: past it the load waits (a slower stack stretches the duration). */
  concurrency: number;
  /** No progress bar (the short drill in `npm test`); a line per phase instead. */
  quiet: boolean;
}

export function parseDrillOptions(argv: string[]): DrillOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      payments: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      duration: { type: 'string' },
      deadline: { type: 'string', default: '40' },
      'worker-kills': { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const payments = positive('payments', values.payments);
  // About 10 payments a second by default: what two workers on a shared 2-core machine sustain.
  const durationS =
    values.duration === undefined ? Math.max(45, payments / 10) : positive('duration', values.duration);
  return {
    payments,
    seed: positive('seed', values.seed, 0),
    durationMs: durationS * 1000,
    deadlineMs: positive('deadline', values.deadline) * 1000,
    workerKills:
      values['worker-kills'] === undefined
        ? Math.max(1, Math.round(durationS / 40))
        : positive('worker-kills', values['worker-kills']),
    concurrency: positive('concurrency', values.concurrency),
    quiet: values.quiet,
  };
}

function positive(name: string, raw: string | undefined, min = 1): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

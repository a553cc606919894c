/** Percentile by nearest rank over a sorted copy; latencies in milliseconds. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export async function runPool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

export const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

/** What every run prints: throughput, create-call latency and create→done latency. */
export interface Figures {
  throughput: number;
  createP50: number;
  createP95: number;
  createP99: number;
  doneP50: number;
  doneP99: number;
  succeeded: number;
}

/** Figures of one run started at t0 (ms): each create call's latency, and each finished item's [sentAt, doneAt]. */
export function summarize(t0: number, createMs: number[], finished: Array<[number, number]>): Figures {
  const done = finished.map(([sent, at]) => at - sent);
  const last = finished.length ? Math.max(...finished.map(([, at]) => at)) : NaN;
  return {
    throughput: (finished.length * 1000) / (last - t0),
    createP50: percentile(createMs, 50),
    createP95: percentile(createMs, 95),
    createP99: percentile(createMs, 99),
    doneP50: percentile(done, 50),
    doneP99: percentile(done, 99),
    succeeded: finished.length,
  };
}

/**
 * Peak resident memory of this process (worker, API, sandbox and load generator together: the bench runs
 * them in one process), sampled while a phase runs; the start value shows what the phase itself added.
 */
export class RssSampler {
  private peak = 0;
  private readonly start = process.memoryUsage().rss;
  private readonly timer = setInterval(() => this.sample(), 100);

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }

  /** Stops sampling; MB at the start and at the peak. */
  stop(): { startMb: number; peakMb: number } {
    clearInterval(this.timer);
    this.sample();
    const mb = (bytes: number): number => Math.round(bytes / (1024 * 1024));
    return { startMb: mb(this.start), peakMb: mb(this.peak) };
  }
}

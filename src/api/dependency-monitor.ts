import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { HttpProblem } from './problem';

export interface DependencyMonitorOptions {
  /** Pause between two rounds of checks (default 500 ms). */
  intervalMs?: number;
  /** How long one check may take before it counts as failed (default 1 s). */
  checkTimeoutMs?: number;
  /** Consecutive failed checks before a dependency is taken as down (default 2: one slow answer under load is not an outage). */
  failuresToDown?: number;
  /** Deadline of the Temporal calls made for one request (the legitimate slow path must fit in it). */
  callDeadlineMs: number;
}

export type DependencyName = 'db' | 'temporal';

/** Resolves fn's promise, or rejects once ms have passed (the promise itself is left to settle). */
function within<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    fn()
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/**
 * Checks PostgreSQL and Temporal in the background, so a request arriving while one is known down is
 * answered 503 at once instead of waiting out the SDK's gRPC retries (~20 s) or a database timeout; and
 * cancels the Temporal calls in flight when Temporal is found down (contract section 1: no request hangs).
 * It starts optimistic: until a check has failed, requests go through (bounded by their call deadline).
 */
export class DependencyMonitor {
  private readonly up: Record<DependencyName, boolean> = { db: true, temporal: true };
  private readonly failures: Record<DependencyName, number> = { db: 0, temporal: 0 };
  private readonly inFlight = new Set<AbortController>();
  /** Calls given up on (cancelled or past their check timeout) that the SDK may still be retrying. */
  private readonly abandoned = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly checkTimeoutMs: number;
  private readonly failuresToDown: number;

  constructor(
    private readonly pool: Pool,
    private readonly temporal: Client,
    private readonly opts: DependencyMonitorOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.checkTimeoutMs = opts.checkTimeoutMs ?? 1_000;
    this.failuresToDown = opts.failuresToDown ?? 2;
  }

  start(): void {
    this.stopped = false;
    void this.round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Stops, then waits until every call given up on has settled (each is bounded by its deadline). The
   * SDK's gRPC retry timers of such a call outlive our answer; closing the connection under them throws
   * "Channel has been shut down" from a timer, outside any caller.
   */
  async drain(): Promise<void> {
    this.stop();
    while (this.abandoned.size > 0) await Promise.allSettled([...this.abandoned]);
  }

  /** Keeps a call we stopped waiting for until it settles, so that drain() can wait for it. */
  private keep(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.abandoned.add(settled);
    void settled.finally(() => this.abandoned.delete(settled));
  }

  isUp(dep: DependencyName): boolean {
    return this.up[dep];
  }

  /** Checks both now (each bounded by the check timeout) and records the outcome. */
  async checkNow(): Promise<Record<DependencyName, boolean>> {
    const [db, temporal] = await Promise.all([this.checkDb(), this.checkTemporal()]);
    this.record('db', db);
    this.record('temporal', temporal);
    return { db, temporal };
  }

  /**
   * Runs the Temporal calls of one request: refused at once while Temporal is known down, else under the
   * call deadline, and cancelled when the monitor finds Temporal down meanwhile.
   */
  temporalCall<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.up.temporal) return Promise.reject(unavailable('Temporal'));
    const ctrl = new AbortController();
    this.inFlight.add(ctrl);
    const deadline = Date.now() + this.opts.callDeadlineMs;
    // Raced, not only signalled: the SDK's gRPC retry interceptor goes on retrying a cancelled call.
    const lost = new Promise<never>((_resolve, reject) =>
      ctrl.signal.addEventListener('abort', () => reject(unavailable('Temporal')), { once: true }),
    );
    const work = this.temporal.withDeadline(deadline, () => this.temporal.withAbortSignal(ctrl.signal, fn));
    this.keep(work);
    return Promise.race([work, lost]).finally(() => this.inFlight.delete(ctrl));
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    await this.checkNow();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  private record(dep: DependencyName, ok: boolean): void {
    this.failures[dep] = ok ? 0 : this.failures[dep] + 1;
    const wasUp = this.up[dep];
    this.up[dep] = ok || (wasUp && this.failures[dep] < this.failuresToDown);
    if (dep === 'temporal' && wasUp && !this.up[dep]) {
      for (const c of this.inFlight) c.abort();
      this.inFlight.clear();
    }
  }

  private checkDb(): Promise<boolean> {
    return within(this.checkTimeoutMs, () => this.pool.query('SELECT 1')).then(
      () => true,
      () => false,
    );
  }

  private checkTemporal(): Promise<boolean> {
    const ms = this.checkTimeoutMs;
    return within(ms + 200, () => {
      const call = this.temporal.withDeadline(Date.now() + ms, () =>
        this.temporal.workflowService.getSystemInfo({}),
      );
      this.keep(call);
      return call;
    }).then(
      () => true,
      () => false,
    );
  }
}

export function unavailable(dep: string): HttpProblem {
  return new HttpProblem(
    'SERVICE_UNAVAILABLE',
    `${dep} is unreachable; retry with the same request (it is idempotent)`,
  );
}

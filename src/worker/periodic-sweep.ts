export interface PeriodicSweepOptions {
  /** Checked before every sweep: false stops the sweeper (e.g. its worker is shutting down). */
  active?: () => boolean;
  /** Run once when the sweeper stops (e.g. close the client's connection). */
  onStop?: () => Promise<void>;
  log?: (message: string, err?: unknown) => void;
}

/**
 * The loop every sweeper of the worker shares: one sweep at a time, a pause between sweeps, a stop that
 * waits for the sweep in progress, and errors logged at most every 30 s (a sweep that fails keeps trying).
 */
export abstract class PeriodicSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private lastErrorLogAt = 0;

  protected constructor(
    private readonly name: string,
    protected readonly intervalMs: number,
    private readonly firstDelayMs: number,
    private readonly base: PeriodicSweepOptions,
  ) {}

  /** One sweep; returns how many workflows it started. */
  abstract sweepOnce(): Promise<number>;

  start(): this {
    if (!this.stopped && !this.timer && !this.running) this.schedule(this.firstDelayMs);
    return this;
  }

  /** Stops sweeping, waits for a sweep in progress, then runs onStop. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopping ??= (async () => {
      await this.running?.catch(() => undefined);
      await this.base.onStop?.().catch(() => undefined);
    })();
    return this.stopping;
  }

  protected get isStopped(): boolean {
    return this.stopped;
  }

  protected logThrottled(message: string, err: unknown): void {
    // A sweep cut short by its own stop (its connection closing) is no error worth telling.
    if (this.stopped) return;
    const now = Date.now();
    if (now - this.lastErrorLogAt < 30_000) return;
    this.lastErrorLogAt = now;
    const log = this.base.log ?? ((m: string, e?: unknown) => console.warn(`[${this.name}] ${m}:`, e));
    log(message, err instanceof Object && 'reason' in err ? (err as PromiseRejectedResult).reason : err);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      if (this.base.active && !this.base.active()) {
        void this.stop();
        return;
      }
      this.running = this.sweepOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.logThrottled(`${this.name} failed`, err))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}

/**
 * Every timer the sandbox sets (buyer payments, expiries, notify retries, slow answers) goes through
 * here, so closing the server cancels them all and no test leaks a timer.
 */
/** setTimeout fires at once for delays past ~24.8 days; longer waits are taken in steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class SandboxScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private stopped = false;

  /** Runs `task` after `delayMs`; tasks scheduled for the same instant run in the order scheduled. */
  at(delayMs: number, task: () => void): void {
    if (this.stopped) return;
    const step = Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (step < delayMs) this.at(delayMs - step, task);
      else task();
    }, step);
    timer.unref();
    this.timers.add(timer);
  }

  /** Waits `delayMs`, or less if the sandbox shuts down meanwhile. */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const wake = (): void => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.at(delayMs, wake);
    });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}

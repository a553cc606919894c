import type { Pool } from 'pg';
import type { RefundClient } from '../client/refund-client';
import { listProcessingRefundIds } from '../db/processing-refunds';

export interface RefundSweeperOptions {
  refunds: RefundClient;
  pool: Pool;
  /** Pause between sweeps (env REFUND_SWEEP_MS, default 5000). */
  intervalMs?: number;
  /** Only refunds unchanged for this long: the API starts its own workflow right after reserving (default 10000). */
  minAgeMs?: number;
  batchSize?: number;
  /** Checked before every sweep: false stops the sweeper (e.g. its worker is shutting down). */
  active?: () => boolean;
  log?: (message: string, err?: unknown) => void;
}

/**
 * Issue 7 item 6: a refund is reserved in PostgreSQL before its workflow starts, so a start that fails
 * (Temporal unreachable: the merchant got a 503) leaves a PROCESSING refund with no workflow. This sweep
 * starts the workflow of any such refund. Idempotent: the refund's derived workflow id with reuse
 * ALLOW_DUPLICATE, a running one left alone, and a refund workflow that finds its refund final just ends.
 */
export class RefundSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastErrorLogAt = 0;
  private readonly intervalMs: number;
  private readonly minAgeMs: number;
  private readonly batchSize: number;

  constructor(private readonly opts: RefundSweeperOptions) {
    this.intervalMs = opts.intervalMs ?? 5_000;
    this.minAgeMs = opts.minAgeMs ?? 10_000;
    this.batchSize = opts.batchSize ?? 100;
  }

  start(): this {
    if (!this.stopped && !this.timer && !this.running) this.schedule(this.intervalMs);
    return this;
  }

  /** One sweep; returns how many refund workflows it started. */
  async sweepOnce(): Promise<number> {
    const ids = await listProcessingRefundIds(this.opts.pool, this.minAgeMs, this.batchSize);
    let started = 0;
    for (const id of ids) {
      try {
        const refund = await this.opts.refunds.refunds.findById(id);
        if (refund && (await this.opts.refunds.resumeIfStranded(refund))) started += 1;
      } catch (err) {
        this.logThrottled(`could not start the workflow of refund ${id}`, err);
      }
    }
    return started;
  }

  /** Stops sweeping and waits for a sweep in progress. Safe to call more than once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      if (this.opts.active && !this.opts.active()) {
        void this.stop();
        return;
      }
      this.running = this.sweepOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.logThrottled('refund sweep failed', err))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private logThrottled(message: string, err: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLogAt < 30_000) return;
    this.lastErrorLogAt = now;
    (this.opts.log ?? ((m: string, e?: unknown) => console.warn(`[refund-sweeper] ${m}:`, e)))(message, err);
  }
}

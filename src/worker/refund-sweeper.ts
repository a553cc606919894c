import type { Pool } from 'pg';
import type { RefundClient } from '../client/refund-client';
import { listProcessingRefundIds } from '../db/processing-refunds';
import { PeriodicSweep, type PeriodicSweepOptions } from './periodic-sweep';

export interface RefundSweeperOptions extends PeriodicSweepOptions {
  refunds: RefundClient;
  pool: Pool;
  /** Pause between sweeps (env REFUND_SWEEP_MS, default 5000). */
  intervalMs?: number;
  /** Only refunds unchanged for this long: the API starts its own workflow right after reserving (default 10000). */
  minAgeMs?: number;
  batchSize?: number;
}

/**
 * Issue 7 item 6: a refund is reserved in PostgreSQL before its workflow starts, so a start that fails
 * (Temporal unreachable: the merchant got a 503) leaves a PROCESSING refund with no workflow. This sweep
 * starts the workflow of any such refund. Idempotent: the refund's derived workflow id with reuse
 * ALLOW_DUPLICATE, a running one left alone, and a refund workflow that finds its refund final just ends.
 */
export class RefundSweeper extends PeriodicSweep {
  private readonly minAgeMs: number;
  private readonly batchSize: number;

  constructor(private readonly opts: RefundSweeperOptions) {
    const intervalMs = opts.intervalMs ?? 5_000;
    super('refund-sweeper', intervalMs, intervalMs, opts);
    this.minAgeMs = opts.minAgeMs ?? 10_000;
    this.batchSize = opts.batchSize ?? 100;
  }

  /** One sweep; returns how many refund workflows it started. */
  async sweepOnce(): Promise<number> {
    const ids = await listProcessingRefundIds(this.opts.pool, this.minAgeMs, this.batchSize);
    let started = 0;
    for (const id of ids) {
      if (this.isStopped) break;
      try {
        const refund = await this.opts.refunds.refunds.findById(id);
        if (refund && (await this.opts.refunds.resumeIfStranded(refund))) started += 1;
      } catch (err) {
        this.logThrottled(`could not start the workflow of refund ${id}`, err);
      }
    }
    return started;
  }
}

import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { NewDifference, RunSummary } from '../db/reconciliation/run-repository';
import { ReconciliationRepository } from '../db/reconciliation/run-repository';
import { adjacentKey, billRowKey, toDifference } from '../db/reconciliation/difference-rows';
import { matchDay, type PendingPair } from '../db/reconciliation/match-day';
import { RepairRepository } from '../db/reconciliation/repair-repository';
import { loadBillCsvIntoStaging } from '../db/reconciliation/bill-csv-load';
import { dropStaging, loadBillIntoStaging } from '../db/reconciliation/staging';
import { runFundChecks } from '../db/fund-checks/run-fund-checks';
import { parseFundCheckSettings } from '../domain/fund-check-settings';
import {
  adjacentDay,
  beijingDayBounds,
  classify,
  reversedTradeRows,
  type OrphanPolicy,
} from '../domain/reconciliation';
import { createRepairStep } from './reconciliation-repairs';

/** The verified notice a repair hands to a payment (the ChannelNotice of src/workflows/contract.ts). */
export interface RepairNotice {
  channel: string;
  channelOutTradeNo: string;
  channelTradeNo: string;
  status: 'PAID';
  amount: number;
  paidAt: string | null;
  notifyId: string;
}

export interface ReconciliationActivityDeps {
  pool: Pool;
  channels: ChannelRegistry;
  /** PaymentClient.notify: the payment's workflow while it runs, else its late-money workflow. */
  deliverNotice(workflowId: string, notice: RepairNotice, paymentId: string): Promise<void>;
  orphanPolicy: OrphanPolicy;
  /** Record rows this close to midnight are looked for in the adjacent day's bill (default 15 min). */
  midnightWindowMs?: number;
  /** How long a repair waits for the payment to show the delivered notice before its try fails (20 s). */
  repairSettleMs?: number;
}

export interface RunInput {
  runId: string;
  channel: string;
  billDate: string;
}

/** Well within the workflow's 30 s heartbeat timeout for loadBill. */
const HEARTBEAT_EVERY_MS = 5_000;

export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  const runs = new ReconciliationRepository(deps.pool);
  const repairs = new RepairRepository(deps.pool);
  const windowMs = deps.midnightWindowMs ?? 15 * 60_000;

  /** Which of `keys` the adjacent day's bill holds; an unreadable bill holds none (LOCAL_ONLY is reported). */
  async function foundInBill(channel: string, day: string, keys: Set<string>): Promise<Set<string>> {
    const found = new Set<string>();
    try {
      for await (const row of deps.channels.get(channel).billRows(day)) {
        const key = billRowKey(row);
        if (keys.has(key)) found.add(key);
        Context.current().heartbeat();
      }
    } catch {
      // No bill for that day (yet), or one that fails its checks part way (a streamed bill's digest and
      // totals are checked at its end): nothing found there is trusted, so those rows stay LOCAL_ONLY.
      return new Set();
    }
    return found;
  }

  return {
    async beginRun(input: {
      workflowId: string;
      channel: string;
      billDate: string;
      reason: string | null;
      rerunOf: string | null;
    }): Promise<{ runId: string }> {
      const run = await runs.ensureRun(input);
      return { runId: run.id };
    },

    /**
     * Streams the bill into the run's staging table (COPY), heartbeating and recording rows read: as CSV
     * text parsed by PostgreSQL when the channel offers it (`billCsv`), else row by row (`billRows`).
     */
    async loadBill({ runId, channel, billDate }: RunInput): Promise<{ rowsRead: number }> {
      const ctx = Context.current();
      const port = deps.channels.get(channel);
      let read = 0;
      const progress = async (n: number) => {
        read = n;
        ctx.heartbeat({ rowsRead: n });
        await runs.setRowsRead(runId, n);
      };
      // The SQL after the COPY (staging, checks) reads no rows for a while: still alive meanwhile.
      const alive = setInterval(() => ctx.heartbeat({ rowsRead: read }), HEARTBEAT_EVERY_MS);
      try {
        const rowsRead = port.billCsv
          ? await loadBillCsvIntoStaging(deps.pool, runId, await port.billCsv(billDate), progress)
          : await loadBillIntoStaging(deps.pool, runId, port.billRows(billDate), progress);
        return { rowsRead };
      } finally {
        clearInterval(alive);
      }
    },

    /** Matches staging against the record and writes the run's differences and summary (idempotent). */
    async matchRun({
      runId,
      channel,
      billDate,
    }: RunInput): Promise<{ summary: RunSummary; toRepair: number[] }> {
      const bounds = beijingDayBounds(billDate);
      const day = { ...bounds, midnightWindowMs: windowMs };
      const m = await matchDay(deps.pool, runId, channel, bounds);
      let matched = m.matched;
      const diffs: NewDifference[] = [];
      const adjacent: Array<{ p: PendingPair; which: 'PREVIOUS' | 'NEXT' }> = [];
      const reversed = reversedTradeRows(m.pending.map((p) => p.candidate));
      for (const p of m.pending) {
        if (reversed.has(p.candidate)) {
          matched += 1;
          continue;
        }
        const v = classify(p.candidate, day);
        if (v.outcome === 'MATCHED') matched += p.candidate.side.startsWith('CHANNEL') ? 1 : 0;
        else if (v.outcome === 'CHECK_ADJACENT_DAY') adjacent.push({ p, which: v.day });
        else diffs.push(toDifference(channel, p, v.type, v.detail, deps.orphanPolicy));
      }
      for (const which of ['PREVIOUS', 'NEXT'] as const) {
        const these = adjacent.filter((a) => a.which === which);
        if (these.length === 0) continue;
        const found = await foundInBill(
          channel,
          adjacentDay(billDate, which),
          new Set(these.map((a) => adjacentKey(a.p.candidate))),
        );
        for (const { p } of these) {
          const v = classify(p.candidate, day, found.has(adjacentKey(p.candidate)));
          if (v.outcome === 'DIFFERENCE')
            diffs.push(toDifference(channel, p, v.type, v.detail, deps.orphanPolicy));
        }
      }
      await runs.addDifferences(runId, diffs);
      const recorded = await runs.differences(runId);
      const summary = {
        channelRows: m.channelRows,
        localRows: m.localRows,
        matched,
        differences: recorded.length,
      };
      await runs.setSummary(runId, summary);
      const toRepair = recorded
        .filter((d) => d.repairAction !== 'NONE' && d.resolution === 'OPEN')
        .map((d) => d.id);
      return { summary, toRepair };
    },

    repairDifference: createRepairStep(deps, runs, repairs),

    /** The fund-safety checks run after every reconciliation; their findings show in the exceptions. */
    async runFundChecksAfterReconciliation({ runId }: { runId: string }): Promise<void> {
      await runFundChecks(deps.pool, {
        settings: parseFundCheckSettings(process.env),
        reason: `after reconciliation ${runId}`,
        who: 'reconciliation',
      });
    },

    async finishRun({
      runId,
      status,
      reason,
    }: {
      runId: string;
      status: 'COMPLETED' | 'FAILED';
      reason?: string;
    }) {
      await dropStaging(deps.pool, runId);
      await runs.finish(runId, status, reason);
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
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
import { parseChannelOutTradeNo } from '../domain/ids';
import {
  adjacentDay,
  beijingDayBounds,
  classify,
  orphanRefundRequestNo,
  reversedTradeRows,
  type OrphanPolicy,
  type Resolution,
} from '../domain/reconciliation';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

    /**
     * Repairs one difference, once per repair key across every run: a key an earlier run (or try) already
     * settled is copied, never acted on again. Delivering a notice twice is harmless (the payment and
     * late-money workflows dedupe by notify id and by attempt), and so is an orphan refund (one request number).
     */
    async repairDifference({
      runId,
      differenceId,
    }: {
      runId: string;
      differenceId: number;
    }): Promise<Resolution> {
      const d = await runs.difference(differenceId);
      if (!d || d.repairAction === 'NONE' || !d.repairKey) return 'OPEN';
      if (d.resolution !== 'OPEN') return d.resolution;
      const channel = (await runs.find(runId))!.channel;
      const outRequestNo =
        d.repairAction === 'REFUND_ORPHAN' ? orphanRefundRequestNo(d.channelTradeNo!) : null;
      const claim = await repairs.claim({
        repairKey: d.repairKey,
        runId,
        action: d.repairAction,
        channel,
        outRequestNo,
      });
      if (claim.resolution) {
        await runs.resolve(d.id, claim.resolution, `${d.detail ?? ''}; repaired by run ${claim.runId}`);
        return claim.resolution;
      }
      let outcome: Resolution | null;
      if (d.repairAction === 'DELIVER_NOTICE') outcome = await deliverNotice(channel, d);
      else outcome = await refundOrphan(channel, d, outRequestNo!);
      if (!outcome)
        throw ApplicationFailure.retryable(`repair of ${d.repairKey} has not settled yet`, 'REPAIR_PENDING');
      await repairs.settle(d.repairKey, outcome);
      await runs.resolve(d.id, outcome);
      return outcome;
    },

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

  async function deliverNotice(channel: string, d: Awaited<ReturnType<typeof runs.difference>> & object) {
    const ref = parseChannelOutTradeNo(d.channelOutTradeNo ?? '');
    if (!ref || !d.paymentId) return 'OPEN' as const;
    const wf = await deps.pool.query<{ workflow_id: string }>(
      'SELECT workflow_id FROM payments WHERE id = $1',
      [d.paymentId],
    );
    await deps.deliverNotice(
      wf.rows[0]!.workflow_id,
      {
        channel,
        channelOutTradeNo: d.channelOutTradeNo!,
        channelTradeNo: d.channelTradeNo!,
        status: 'PAID',
        amount: d.channelAmount!,
        paidAt: d.channelFinishedAt?.toISOString() ?? null,
        notifyId: `recon:${d.repairKey}`,
      },
      d.paymentId,
    );
    const until = Date.now() + (deps.repairSettleMs ?? 20_000);
    for (;;) {
      const outcome = await repairs.noticeOutcome(ref.paymentId, ref.attemptNo);
      if (outcome || Date.now() > until) return outcome;
      Context.current().heartbeat();
      await sleep(250);
    }
  }

  async function refundOrphan(
    channel: string,
    d: { channelOutTradeNo: string | null; channelAmount: number | null; currency: string | null },
    outRequestNo: string,
  ) {
    const r = await deps.channels.get(channel).refund({
      outTradeNo: d.channelOutTradeNo!,
      outRequestNo,
      amount: d.channelAmount!,
      currency: d.currency ?? 'CNY',
      reason: 'reconciliation: a trade nobody asked for',
    });
    if (r.outcome === 'SUCCEEDED') return 'AUTO_REFUNDED' as const;
    if (r.outcome === 'FAILED' && !r.retryable) return 'OPEN' as const;
    return null;
  }
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ReconciliationRepository } from '../db/reconciliation/run-repository';
import type { RepairRepository } from '../db/reconciliation/repair-repository';
import { parseChannelOutTradeNo } from '../domain/ids';
import { orphanRefundRequestNo, type Resolution } from '../domain/reconciliation';
import type { ReconciliationActivityDeps } from './reconciliation-activities';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The repairDifference activity: a notice through the payment (or late-money) workflow, or an orphan's refund. */
export function createRepairStep(
  deps: ReconciliationActivityDeps,
  runs: ReconciliationRepository,
  repairs: RepairRepository,
) {
  /**
   * Repairs one difference, once per repair key across every run: a key an earlier run (or try) already
   * settled is copied, never acted on again. Delivering a notice twice is harmless (the payment and
   * late-money workflows dedupe by notify id and by attempt), and so is an orphan refund (one request number).
   */
  return async function repairDifference({
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
    const outRequestNo = d.repairAction === 'REFUND_ORPHAN' ? orphanRefundRequestNo(d.channelTradeNo!) : null;
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

import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReconciliationActivities } from '../../activities/reconciliation-activities';
import { previousBeijingDay, reconWorkflowId } from '../../domain/reconciliation/bill-day';
import {
  reconciliationProgressQuery,
  type ReconciliationInput,
  type ReconciliationProgress,
} from './reconciliation-contract';

/** Database steps: short and idempotent, retried until they land. */
const steps = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '500ms', maximumInterval: '10s', maximumAttempts: 10 },
});
/** The bill load: long, heartbeating; a worker lost mid-load is noticed in 30 s and the load starts over. */
const load = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '1m', maximumAttempts: 5 },
});
/** A repair waits for the payment to show it; not settled after a few tries, the difference stays OPEN. */
const repair = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 4 },
});

export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationProgress> {
  const progress: ReconciliationProgress = {
    runId: null,
    billDate: input.billDate ?? null,
    phase: 'STARTING',
    rowsRead: 0,
    repairsDone: 0,
    repairsTotal: 0,
  };
  setHandler(reconciliationProgressQuery, () => progress);

  if (!input.billDate) {
    // Started by the daily Schedule: the day before the scheduled start, in the day's own workflow.
    const billDate = previousBeijingDay(workflowInfo().startTime);
    progress.billDate = billDate;
    try {
      await startChild(reconciliationWorkflow, {
        workflowId: reconWorkflowId(input.channel, billDate),
        args: [{ ...input, billDate, reason: input.reason ?? 'daily schedule' }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      // The day was already reconciled (or is being): that run stands.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    progress.phase = 'COMPLETED';
    return progress;
  }

  const billDate = input.billDate;
  const { runId } = await steps.beginRun({
    workflowId: workflowInfo().workflowId,
    channel: input.channel,
    billDate,
    reason: input.reason ?? null,
    rerunOf: input.rerunOf ?? null,
  });
  progress.runId = runId;
  const run = { runId, channel: input.channel, billDate };
  try {
    progress.phase = 'LOADING';
    progress.rowsRead = (await load.loadBill(run)).rowsRead;
    progress.phase = 'MATCHING';
    const { toRepair } = await steps.matchRun(run);
    progress.phase = 'REPAIRING';
    progress.repairsTotal = toRepair.length;
    for (const differenceId of toRepair) {
      try {
        await repair.repairDifference({ runId, differenceId });
      } catch {
        // Not settled after its tries: the difference stays OPEN, for an operator (or the next run).
      }
      progress.repairsDone += 1;
    }
    progress.phase = 'FINISHING';
    await steps.runFundChecksAfterReconciliation({ runId });
    await steps.finishRun({ runId, status: 'COMPLETED' });
    progress.phase = 'COMPLETED';
    return progress;
  } catch (err) {
    progress.phase = 'FAILED';
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const reason = cause instanceof Error ? cause.message : String(cause);
    await steps.finishRun({ runId, status: 'FAILED', reason: reason.slice(0, 500) });
    throw ApplicationFailure.nonRetryable(
      `reconciliation ${runId} failed: ${reason}`,
      'RECONCILIATION_FAILED',
    );
  }
}

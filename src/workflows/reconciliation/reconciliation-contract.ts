import { defineQuery } from '@temporalio/workflow';
import { RECON_PROGRESS_QUERY } from '../../domain/reconciliation/bill-day';

/**
 * A reconciliation run: one workflow per (channel account, bill day), `recon-<channel>-<billDate>`, plus
 * `-rerun-<n>` for each explicit rerun. Without billDate (the daily Schedule's start) it reconciles the
 * Beijing day before its own start time, as a child with that day's id, so a day has one run however it
 * was started.
 */
export interface ReconciliationInput {
  channel: string;
  billDate?: string;
  reason?: string | null;
  rerunOf?: string | null;
}

export interface ReconciliationProgress {
  runId: string | null;
  billDate: string | null;
  phase: 'STARTING' | 'LOADING' | 'MATCHING' | 'REPAIRING' | 'FINISHING' | 'COMPLETED' | 'FAILED';
  rowsRead: number;
  repairsDone: number;
  repairsTotal: number;
}

export const reconciliationProgressQuery = defineQuery<ReconciliationProgress>(RECON_PROGRESS_QUERY);

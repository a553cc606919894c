/**
 * The refund workflow's contract: its type name, input, query and ids, shared by the workflow and every
 * caller (refund client, API, the payment workflow starting automatic refunds as children). No I/O.
 */
import { defineQuery } from '@temporalio/workflow';
import type { RefundKind, RefundStatus, RefundView } from '../../domain/refund';

export { autoRefundWorkflowId, refundWorkflowId } from '../../domain/refund';

export const REFUND_WORKFLOW_TYPE = 'refundWorkflow';

/** Timings a deployment (or a test) may tune; defaults in DEFAULT_REFUND_OPTIONS. */
export interface RefundWorkflowOptions {
  /** First wait before asking the channel again (a retryable refusal, or a refund still PROCESSING/UNKNOWN). */
  retryInitialMs?: number;
  /** The wait doubles up to this. */
  retryMaxMs?: number;
  /**
   * Retryable refusals (the channel says the refund was not made and may work later) tolerated before the
   * refund ends FAILED for an operator. PROCESSING and UNKNOWN answers never count: they are confirmed by
   * query for as long as it takes, because the money may already have gone back.
   */
  maxRetryableFailures?: number;
}

export const DEFAULT_REFUND_OPTIONS: Required<RefundWorkflowOptions> = {
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  maxRetryableFailures: 10,
};

/** Where a run left off, carried over continue-as-new. */
export interface RefundResume {
  next: 'CALL' | 'QUERY';
  step: number;
  retryableFailures: number;
  channelCalls: number;
  channelQueries: number;
}

/**
 * Input of `refundWorkflow`. The refund row (status PROCESSING) is committed before the workflow starts;
 * the workflow reads everything else from it. Merchant refunds start it as `refund-<paymentId>-<outRefundNo>`,
 * automatic ones (from the payment workflow, as a child) as `refund-<paymentId>-auto-<attemptNo>` with just
 * `{ refundId }` from `recordLateRefund`.
 */
export interface RefundWorkflowInput {
  refundId: string;
  options?: RefundWorkflowOptions;
  /** Set only by the workflow itself when it continues as new. */
  resume?: RefundResume;
}

/** What `getRefund` answers: the refund as recorded, and how far the channel conversation got. */
export interface RefundProgress {
  refund: RefundView | null;
  kind: RefundKind | null;
  status: RefundStatus | null;
  channel: string | null;
  outRequestNo: string | null;
  channelCalls: number;
  channelQueries: number;
  retryableFailures: number;
  /** The channel's latest answer, e.g. `refund: FAILED SYSTEM_ERROR (retryable)`, `query: PROCESSING`. */
  lastAnswer: string | null;
  /** Workflow time of the next channel call or query while waiting, else null. */
  nextTryAt: string | null;
}

export const getRefundQuery = defineQuery<RefundProgress>('getRefund');

/** The failure type a refund workflow ends with when its refund ended FAILED (Temporal UI: ExecutionStatus = "Failed"). */
export const REFUND_FAILED_ERROR_TYPE = 'REFUND_FAILED';

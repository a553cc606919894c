import { isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, isErrorCode } from '../domain/domain-errors';
import { PAYMENT_WORKFLOW_ENDING } from '../workflows/contract';

/** The server's failure type for an Update accepted by a workflow that then completed without answering it. */
const UPDATE_OUTLIVED_WORKFLOW = 'AcceptedUpdateCompletedWorkflow';
/** gRPC status code NOT_FOUND (@grpc/grpc-js is not a direct dependency). */
const GRPC_NOT_FOUND = 5;
/** gRPC status code DEADLINE_EXCEEDED: the call's own deadline passed (withDeadline). */
const GRPC_DEADLINE_EXCEEDED = 4;

/** Turns a failed Update into the contract's error, when the workflow refused it with one of our codes. */
export function toDomainError(err: unknown): DomainError | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
    return new DomainError(cause.type, cause.message);
  }
  return null;
}

/**
 * True when the workflow is no longer there to answer: it has completed (its grace window ended), it was
 * deleted by the namespace's retention, or it completed while an Update waited. Temporal being down or
 * slow is NOT this (UNAVAILABLE, DEADLINE_EXCEEDED…): those stay errors, which the API answers with 503.
 */
export function isWorkflowGone(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    // A workflow past its grace window refuses new channel work (PAYMENT_WORKFLOW_ENDING): as good as gone.
    return (
      cause instanceof ApplicationFailure &&
      (cause.type === UPDATE_OUTLIVED_WORKFLOW || cause.type === PAYMENT_WORKFLOW_ENDING)
    );
  }
  // "workflow execution already completed" arrives as gRPC NOT_FOUND, raw or wrapped in a ServiceError.
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && Number(e.code) === GRPC_NOT_FOUND) return true;
  }
  return false;
}

/** True when a call ran out of its own deadline (a slow answer), as opposed to being refused. */
export function isDeadlineExceeded(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && Number(e.code) === GRPC_DEADLINE_EXCEEDED) return true;
  }
  return false;
}

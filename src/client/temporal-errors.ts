import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, isErrorCode } from '../domain/domain-errors';

/** Turns a failed Update into the contract's error, when the workflow refused it with one of our codes. */
export function toDomainError(err: unknown): DomainError | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
    return new DomainError(cause.type, cause.message);
  }
  return null;
}

import type { z } from 'zod';
import { DomainError } from '../domain/domain-errors';

/** A request that failed its schema: the contract's VALIDATION_ERROR with one entry per problem. */
export class RequestValidationError extends DomainError {
  constructor(readonly errors: Array<{ path: string; message: string }>) {
    super('VALIDATION_ERROR', errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '));
  }
}

export function validationError(err: z.ZodError): RequestValidationError {
  return new RequestValidationError(
    err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}

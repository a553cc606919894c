import type { preValidationAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../domain/domain-errors';
import { REFUND_ID } from '../domain/refund';

/**
 * Path ids (contract section 1): an id that names nothing the caller may see is 404 NOT_FOUND, whatever
 * its shape. So the params schema takes any string (documented with its shape), and a preValidation
 * hook answers 404 for one of the wrong shape before the body is validated and before any query runs.
 */
export const PAYMENT_ID = /^pay_[0-9a-f]{32}$/;
export const EVENT_ID = /^[A-Za-z0-9_]{1,64}$/;
export { REFUND_ID };

const what = { payment: PAYMENT_ID, refund: REFUND_ID, notification: EVENT_ID } as const;
export type IdKind = keyof typeof what;

export const idParams = (kind: IdKind) =>
  z.object({ id: z.string().describe(`a ${kind} id, ${what[kind].source}; any other is 404`) });

/** The id as it may be repeated in a message: short and printable. */
export const shownId = (id: string): string => JSON.stringify(id.slice(0, 80)).replace(/[^\x20-\x7e]/g, '?');

export function notFound(kind: IdKind, id: string): DomainError {
  return new DomainError('NOT_FOUND', `${kind} ${shownId(id)} not found`);
}

export function idShape(kind: IdKind): preValidationAsyncHookHandler {
  return async (req) => {
    const id = (req.params as { id?: unknown }).id;
    if (typeof id !== 'string' || !what[kind].test(id)) throw notFound(kind, String(id));
  };
}

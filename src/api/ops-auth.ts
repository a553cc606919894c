import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Principal, Role } from '../db/merchant-repository';
import { DomainError } from '../domain/domain-errors';

/** Operator endpoints (contract sections 6-8): operator keys read, admin keys also change. */
export const READ_ROLES: readonly Role[] = ['OPERATOR', 'ADMIN'];
export const WRITE_ROLES: readonly Role[] = ['ADMIN'];

/**
 * The caller's principal when its key has one of `roles`; otherwise FORBIDDEN (a merchant key on any
 * ops path, an operator key on a change only an admin may make). The key itself was already checked
 * by the onRequest hook of auth.ts, so a missing principal is still answered as UNAUTHENTICATED.
 */
export function requireRole(req: FastifyRequest, ...roles: Role[]): Principal {
  const p = req.principal;
  if (!p)
    throw new DomainError('UNAUTHENTICATED', 'a valid API key is required: Authorization: Bearer <key>');
  if (!roles.includes(p.role)) {
    const wanted = roles.map((r) => r.toLowerCase()).join(' or ');
    throw new DomainError('FORBIDDEN', `this endpoint needs an ${wanted} API key`);
  }
  return p;
}

/**
 * The same check as a route `onRequest` hook: it runs right after authentication, before the body is
 * parsed or validated, so a key without the role gets 403 whatever it sends.
 */
export function roleHook(...roles: Role[]): onRequestAsyncHookHandler {
  return async (req) => {
    requireRole(req, ...roles);
  };
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/domain-errors';
import type { MerchantRepository, Principal } from '../db/merchant-repository';
import { isOpsPath, principalOf } from './edge';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const PUBLIC_PREFIXES = ['/healthz', '/readyz', '/openapi.json', '/docs', '/v1/channels/'];

/**
 * Checks the API key before anything else (body parsing, validation): no valid key, 401, whatever the
 * body. Then the role of ops paths: a merchant key gets 403 on every /v1/ops path before its body,
 * parameters or query are read (route hooks refine operator versus admin).
 */
export function installAuth(app: FastifyInstance, merchants: MerchantRepository): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (PUBLIC_PREFIXES.some((p) => req.url === p || req.url.startsWith(p))) return;
    const principal = await principalOf(merchants, req.headers.authorization);
    if (!principal)
      throw new DomainError('UNAUTHENTICATED', 'a valid API key is required: Authorization: Bearer <key>');
    req.principal = principal;
    if (principal.role === 'MERCHANT' && isOpsPath(req.url))
      throw new DomainError('FORBIDDEN', 'this endpoint needs an operator or admin API key');
  });
}

/** The merchant a merchant key acts for; other keys may name one explicitly where a route allows it. */
export function merchantOf(req: FastifyRequest): string {
  const p = req.principal;
  if (p?.role === 'MERCHANT' && p.merchantId) return p.merchantId;
  throw new DomainError('FORBIDDEN', 'this endpoint needs a merchant API key');
}

/**
 * Whose objects a read may see: a merchant key its own merchant's, an operator or admin key every
 * merchant's (contract section 6: operators read everything), given as undefined.
 */
export function readScope(req: FastifyRequest): string | undefined {
  const p = req.principal;
  if (p?.role === 'OPERATOR' || p?.role === 'ADMIN') return undefined;
  return merchantOf(req);
}

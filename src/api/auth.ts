import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/domain-errors';
import type { MerchantRepository, Principal } from '../db/merchant-repository';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const PUBLIC_PREFIXES = ['/healthz', '/readyz', '/openapi.json', '/docs', '/v1/channels/'];

/** Checks the API key before anything else (body parsing, validation): no valid key, 401, whatever the body. */
export function installAuth(app: FastifyInstance, merchants: MerchantRepository): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (PUBLIC_PREFIXES.some((p) => req.url === p || req.url.startsWith(p))) return;
    const m = /^Bearer ([A-Za-z0-9_\-.]{1,200})$/.exec(req.headers.authorization ?? '');
    const principal = m?.[1] ? await merchants.authenticate(m[1]) : null;
    if (!principal)
      throw new DomainError('UNAUTHENTICATED', 'a valid API key is required: Authorization: Bearer <key>');
    req.principal = principal;
  });
}

/** The merchant a merchant key acts for; other keys may name one explicitly where a route allows it. */
export function merchantOf(req: FastifyRequest): string {
  const p = req.principal;
  if (p?.role === 'MERCHANT' && p.merchantId) return p.merchantId;
  throw new DomainError('FORBIDDEN', 'this endpoint needs a merchant API key');
}

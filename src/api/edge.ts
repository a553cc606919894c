import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MerchantRepository } from '../db/merchant-repository';
import { DomainError } from '../domain/domain-errors';
import { jsonProblem } from '../domain/text-rules';
import { frameworkProblem, problemBody, sendProblem, type Problem } from './problem';

/**
 * The edge before any route: protocol errors Node's HTTP parser raises, router errors Fastify raises
 * before hooks run, and the limits every JSON body must keep. Each answers problem+json (the channel
 * notify endpoint answers `fail`, as channels expect), never a 5xx, never silence.
 */

/** Deeper JSON is never a valid request; metadata has its own, tighter limit. */
export const MAX_JSON_DEPTH = 32;

export const NOTIFY_PATH = /^\/v1\/channels\/[^/]*\/notify\/?(?:\?|$)/;
const isOpsPath = (url: string): boolean => {
  const path = url.split('?')[0] ?? '';
  return path === '/v1/ops' || path.startsWith('/v1/ops/');
};

/** Node's `clientError` (headers over 16 KB, framing errors, timeouts): written straight to the socket. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const problem: Problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? frameworkProblem({ statusCode: 431, message: err.message })
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? frameworkProblem({ statusCode: 408, message: err.message })
        : problemBody('VALIDATION_ERROR', 'malformed HTTP request');
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Fastify's `frameworkErrors` (an undecodable path, a path parameter over the router's limit): no route
 * names such a path, so it is 404, after the same key and role checks as any request.
 */
export function frameworkErrorHandler(merchants: MerchantRepository) {
  const answer = async (err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const url = req.raw.url ?? '';
    if (NOTIFY_PATH.test(url) || url.startsWith('/v1/channels/')) {
      await reply.code(404).type('text/plain').send('fail');
      return;
    }
    try {
      const principal = await principalOf(merchants, req.headers.authorization);
      if (!principal) {
        await sendProblem(
          reply,
          'UNAUTHENTICATED',
          'a valid API key is required: Authorization: Bearer <key>',
        );
      } else if (principal.role === 'MERCHANT' && isOpsPath(url)) {
        await sendProblem(reply, 'FORBIDDEN', 'this endpoint needs an operator or admin API key');
      } else {
        await sendProblem(reply, 'NOT_FOUND', `nothing at this path (${err.code})`);
      }
    } catch {
      await sendProblem(reply, 'SERVICE_UNAVAILABLE', 'a dependency did not answer; retry');
    }
  };
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => void answer(err, req, reply);
}

export async function principalOf(merchants: MerchantRepository, authorization: string | undefined) {
  const m = /^Bearer ([A-Za-z0-9_\-.]{1,200})$/.exec(authorization ?? '');
  return m?.[1] ? merchants.authenticate(m[1]) : null;
}

/** Hooks every request passes: a Host header, and a JSON body of bounded depth (checked before validation). */
export function installEdgeHooks(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (req.raw.httpVersionMajor === 1 && req.raw.httpVersionMinor >= 1 && !req.headers.host) {
      throw new DomainError('VALIDATION_ERROR', 'an HTTP/1.1 request needs a Host header');
    }
  });
  app.addHook('preValidation', async (req) => {
    if (req.body === null || typeof req.body !== 'object') return;
    const p = jsonProblem(req.body, { maxDepth: MAX_JSON_DEPTH });
    if (p) throw new DomainError('VALIDATION_ERROR', `body${p.path ? `.${p.path}` : ''}: ${p.message}`);
  });
}

/** True for a path under /v1/ops: merchant keys are refused there before anything but authentication. */
export { isOpsPath };

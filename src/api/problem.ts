import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, ERROR_STATUS, ERROR_TITLES, type ErrorCode } from '../domain/domain-errors';
import { RequestValidationError } from '../client/validation-error';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode | 'SERVICE_UNAVAILABLE';
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

export function sendProblem(
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  errors?: Problem['errors'],
  status: number = ERROR_STATUS[code],
): FastifyReply {
  const body: Problem = {
    type: `https://docs.payments.example/errors/${code.toLowerCase().replace(/_/g, '-')}`,
    title: ERROR_TITLES[code],
    status,
    code,
    detail,
    ...(errors ? { errors } : {}),
  };
  return reply.code(status).type('application/problem+json').send(body);
}

/** Every error leaves as problem+json; bad input is always a 4xx, never a 5xx. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, 'NOT_FOUND', `no route ${req.method} ${req.url}`),
  );
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof RequestValidationError)
      return sendProblem(reply, 'VALIDATION_ERROR', err.message, err.errors);
    if (err instanceof DomainError) return sendProblem(reply, err.code, err.message);
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.map((v) => ({
        path: [err.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'is invalid',
      }));
      return sendProblem(
        reply,
        'VALIDATION_ERROR',
        errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        errors,
      );
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Malformed JSON, wrong media type, body too large…: the client's mistake, said plainly.
      return sendProblem(reply, 'VALIDATION_ERROR', err.message, undefined, err.statusCode);
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(503).type('application/problem+json').send({
      type: 'about:blank',
      title: 'Service unavailable',
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      detail: 'a dependency did not answer; retry with the same request (it is idempotent)',
    });
  });
}

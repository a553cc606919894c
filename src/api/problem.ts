import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, ERROR_STATUS, ERROR_TITLES, type ErrorCode } from '../domain/domain-errors';
import { RequestValidationError } from '../client/validation-error';

/**
 * Codes only the HTTP edge produces, beside the contract's (src/domain/domain-errors): protocol
 * refusals, and REFUND_NOT_FAILED for an operator retry of a refund that has not failed.
 */
export const HTTP_ERROR_STATUS = {
  REFUND_NOT_FAILED: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;
export type ProblemCode = ErrorCode | HttpErrorCode;

const HTTP_TITLES: Record<HttpErrorCode, string> = {
  REFUND_NOT_FAILED: 'Refund has not failed',
  REQUEST_TIMEOUT: 'Request timeout',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  HEADERS_TOO_LARGE: 'Request headers too large',
  SERVICE_UNAVAILABLE: 'Service unavailable',
};

/** An HTTP-only refusal, thrown by routes like a DomainError. */
export class HttpProblem extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

const isHttpCode = (c: string): c is HttpErrorCode => Object.hasOwn(HTTP_ERROR_STATUS, c);

export function problemBody(code: ProblemCode, detail: string, errors?: Problem['errors']): Problem {
  const status = isHttpCode(code) ? HTTP_ERROR_STATUS[code] : ERROR_STATUS[code];
  const title = isHttpCode(code) ? HTTP_TITLES[code] : ERROR_TITLES[code];
  return {
    type: `https://docs.payments.example/errors/${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    code,
    detail,
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  errors?: Problem['errors'],
): FastifyReply {
  const body = problemBody(code, detail, errors);
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** The problem for an error Fastify or a plugin raised with a 4xx status (parsers, limits, framing). */
export function frameworkProblem(err: { statusCode?: number; code?: string; message: string }): Problem {
  switch (err.statusCode) {
    case 413:
      return problemBody('PAYLOAD_TOO_LARGE', 'the request body is larger than this endpoint accepts');
    case 415:
      return problemBody('UNSUPPORTED_MEDIA_TYPE', `unsupported content type: ${err.message}`);
    case 404:
      return problemBody('NOT_FOUND', 'not found');
    case 408:
      return problemBody('REQUEST_TIMEOUT', 'the request was not received in time');
    case 431:
      return problemBody('HEADERS_TOO_LARGE', 'the request headers are too large');
    default:
      // Malformed JSON, an empty JSON body, a bad header…: the client's mistake, said plainly.
      return problemBody('VALIDATION_ERROR', err.message.slice(0, 500));
  }
}

/** Every error leaves as problem+json; bad input is always a 4xx, never a 5xx. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, 'NOT_FOUND', `no route ${req.method} ${req.url.slice(0, 200)}`),
  );
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof RequestValidationError)
      return sendProblem(reply, 'VALIDATION_ERROR', err.message, err.errors);
    if (err instanceof DomainError || err instanceof HttpProblem)
      return sendProblem(reply, err.code, err.message);
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
      const body = frameworkProblem(err);
      return reply.code(body.status).type('application/problem+json').send(body);
    }
    req.log.error({ err }, 'unhandled error');
    return sendProblem(
      reply,
      'SERVICE_UNAVAILABLE',
      'a dependency did not answer; retry with the same request (it is idempotent)',
    );
  });
}

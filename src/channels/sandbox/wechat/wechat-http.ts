import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WechatContext } from './wechat-context';
import type { WechatSandboxKeys } from './wechat-keys';
import { MAX_CLOCK_SKEW_S, parseAuthorization, signedHeaders, verifyLines } from './wechat-signing';

/** What a WeChat route answers: a status and a JSON body (none for 204), signed on the way out. */
export interface WechatAnswer {
  status: number;
  body?: unknown;
  /** A file download (the bill): sent as it is, unsigned, as WeChat Pay serves downloads. */
  raw?: Buffer;
}

export interface WechatCall {
  /** The JSON body (null for GET and for an empty body). */
  body: Record<string, unknown> | null;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The sandbox's own address as the caller reached it, for code_url and download_url. */
  baseUrl: string;
  now: Date;
}

export type WechatHandler = (call: WechatCall) => WechatAnswer | Promise<WechatAnswer>;

export const failure = (status: number, code: string, message: string): WechatAnswer => ({
  status,
  body: { code, message },
});

/**
 * Registers one API v3 route: the request's `Authorization` is checked (merchant id, certificate serial,
 * clock skew, SHA256withRSA over `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`) before the handler runs,
 * and every answer, errors included, is signed with the platform key as WeChat Pay signs them.
 * `faultAs` names the Alipay-style method whose drill fault rates apply (contract section 4): an error
 * is an unsigned 503 or a signed 500 SYSTEM_ERROR without effect; a timeout takes effect, then answers late.
 */
export function wechatRoute(
  app: FastifyInstance,
  ctx: Pick<WechatContext, 'keys' | 'faults' | 'scheduler' | 'timeoutDelayMs'>,
  method: 'GET' | 'POST',
  path: string,
  faultAs: string | null,
  handler: WechatHandler,
): void {
  const { keys } = ctx;
  app.route({
    method,
    url: path,
    handler: async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const refusal = authorizationRefusal(req, raw, keys);
      const fault = refusal || !faultAs ? null : ctx.faults.forGatewayCall(faultAs);
      if (fault === 'http_5xx') return reply.code(503).type('text/plain').send('service unavailable');
      if (fault === 'system_error') {
        return sendSigned(reply, failure(500, 'SYSTEM_ERROR', 'system error (fault)'), keys);
      }
      const answer = refusal ?? (await runHandler(req, raw, handler));
      if (fault === 'timeout') await ctx.scheduler.sleep(ctx.timeoutDelayMs);
      return sendSigned(reply, answer, keys);
    },
  });
}

async function runHandler(req: FastifyRequest, raw: string, handler: WechatHandler): Promise<WechatAnswer> {
  let body: Record<string, unknown> | null = null;
  if (raw !== '') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return failure(400, 'PARAM_ERROR', 'body is not a JSON object');
    }
  }
  try {
    return await handler({
      body,
      params: req.params as Record<string, string>,
      query: req.query as Record<string, string>,
      baseUrl: `${req.protocol}://${req.host}`,
      now: new Date(),
    });
  } catch (err) {
    if (err instanceof ParamError) return failure(400, 'PARAM_ERROR', err.message);
    throw err;
  }
}

/** A request field missing or malformed: WeChat answers 400 PARAM_ERROR. */
export class ParamError extends Error {}

function authorizationRefusal(
  req: FastifyRequest,
  raw: string,
  keys: WechatSandboxKeys,
): WechatAnswer | null {
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) return failure(401, 'SIGN_ERROR', 'Authorization header missing or malformed');
  if (auth.mchid !== keys.mchId) return failure(401, 'SIGN_ERROR', 'unknown mchid');
  if (auth.serial_no !== keys.merchantSerialNo) return failure(401, 'SIGN_ERROR', 'unknown serial_no');
  const skew = Math.abs(Date.now() / 1000 - Number(auth.timestamp));
  if (!(skew <= MAX_CLOCK_SKEW_S)) return failure(401, 'SIGN_ERROR', 'timestamp out of range');
  const lines = [req.method.toUpperCase(), req.url, auth.timestamp, auth.nonce_str, raw];
  if (!verifyLines(lines, auth.signature, keys.merchantPublicKeyPem)) {
    return failure(401, 'SIGN_ERROR', 'signature does not verify');
  }
  return null;
}

function sendSigned(reply: FastifyReply, answer: WechatAnswer, keys: WechatSandboxKeys): FastifyReply {
  if (answer.raw) return reply.code(answer.status).type('application/x-gzip').send(answer.raw);
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  void reply.code(answer.status).headers(signedHeaders(text, keys));
  if (answer.body === undefined) return reply.send();
  return reply.type('application/json; charset=utf-8').send(text);
}

export function stringField(body: Record<string, unknown> | null, name: string): string {
  const value = body?.[name];
  if (typeof value !== 'string' || value === '') throw new ParamError(`${name} is required`);
  return value;
}

export function optionalStringField(body: Record<string, unknown> | null, name: string): string | null {
  const value = body?.[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ParamError(`${name} must be a string`);
  return value;
}

/** `amount.<name>`: a positive integer number of fen. */
export function fenField(body: Record<string, unknown> | null, name: string): number {
  const amount = body?.amount;
  const value = amount && typeof amount === 'object' ? (amount as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ParamError(`amount.${name} must be a positive integer (fen)`);
  }
  return value;
}

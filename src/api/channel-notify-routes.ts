import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { PaymentClient } from '../client/payment-client';
import type { NotificationInbox } from '../db/channel-notify-inbox';
import type { PaymentRepository } from '../db/payment-repository';
import { textProblem } from '../domain/text-rules';
import { acceptVerifiedNotify } from './verified-notify';

interface NotifyDeps {
  client: PaymentClient;
  channels: ChannelRegistry;
  inbox: NotificationInbox;
  payments: PaymentRepository;
}

const BODY_LIMIT = 64 * 1024;
const MAX_FIELDS = 64;
/** The channel column of a notify for a channel we do not serve: one group, however many names are tried. */
const UNKNOWN_CHANNEL = '(unknown)';

const fail = (reply: FastifyReply, status: number): FastifyReply =>
  reply.code(status).type('text/plain').send('fail');

type Fields =
  | { ok: true; fields: Record<string, string> }
  | { ok: false; reason: string; fields: Record<string, string> };

/** The form fields of a notify, or why they cannot be trusted as text (NUL, control characters, repeats…). */
function readForm(req: FastifyRequest): Fields {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = typeof req.body === 'string' ? req.body : '';
  if (type !== 'application/x-www-form-urlencoded') {
    // Reasons are fixed texts (what varies goes into the raw fields), so that rejections group (see NotificationInbox).
    return {
      ok: false,
      reason: 'unsupported content type',
      fields: { _contentType: type.slice(0, 128), _body: body.slice(0, 512) },
    };
  }
  const fields: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of new URLSearchParams(body)) {
    if (++n > MAX_FIELDS) return { ok: false, reason: `more than ${MAX_FIELDS} fields`, fields };
    if (Object.hasOwn(fields, k)) return { ok: false, reason: 'a field is repeated', fields };
    fields[k] = v;
    const p = textProblem(k, 'name') ?? textProblem(v, 'free');
    if (p) return { ok: false, reason: `a field ${p}`, fields: { ...fields, _field: k.slice(0, 64) } };
  }
  if (n === 0) return { ok: false, reason: 'empty body', fields };
  return { ok: true, fields };
}

/**
 * Contract section 3: verify, record in the inbox, then hand to the payment's workflow. `success` only
 * once the inbox row is committed; anything we cannot trust changes nothing, is kept for operators (in
 * bounded groups, see NotificationInbox) and answers `fail` (text/plain) — every error, 413, 415 and a
 * 503 of a dependency included: a channel understands `fail`, never problem+json.
 */
export async function registerNotifyRoutes(app: FastifyInstance, deps: NotifyDeps): Promise<void> {
  const channelOf = (req: FastifyRequest): string => {
    const name = (req.params as { channel?: string }).channel ?? '';
    return deps.channels.has(name) ? name : UNKNOWN_CHANNEL;
  };
  const recordRefusal = async (
    req: FastifyRequest,
    reason: string,
    fields: Record<string, string>,
    claimedPaymentId: string | null = null,
  ): Promise<void> => {
    await deps.inbox.record({
      channel: channelOf(req),
      notifyId: fields.notify_id ?? null,
      raw: fields,
      verified: false,
      rejectionReason: reason,
      outTradeNo: fields.out_trade_no ?? null,
      tradeStatus: fields.trade_status ?? null,
      paymentId: claimedPaymentId,
    });
    req.log.warn({ channel: channelOf(req), reason }, 'channel notification rejected');
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every media type is read as text and judged in the handler, so a wrong one is refused (and recorded) like any bad notify.
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler(async (err: FastifyError, req, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode < 500 ? err.statusCode : 503;
      if (status < 500) {
        const reason = status === 413 ? 'body too large' : `malformed request (${err.code ?? status})`;
        await recordRefusal(req, reason, {}).catch(() => undefined);
      } else {
        req.log.error({ err }, 'channel notification not handled: a dependency failed');
      }
      return fail(reply, status);
    });

    scope.post<{ Params: { channel: string } }>(
      '/v1/channels/:channel/notify',
      {
        schema: {
          summary: 'Asynchronous notification from a payment channel (channel format)',
          description:
            'Form-encoded, signed by the channel. Answers `success`, or `fail` (text/plain) on any error.',
          tags: ['channels'],
          consumes: ['application/x-www-form-urlencoded'],
        },
      },
      async (req, reply) => {
        const channelName = req.params.channel;
        const form = readForm(req);
        if (!deps.channels.has(channelName)) {
          await recordRefusal(req, 'unknown channel', { ...form.fields, _channel: channelName.slice(0, 64) });
          return fail(reply, 404);
        }
        if (!form.ok) {
          await recordRefusal(req, form.reason, form.fields);
          return fail(reply, form.reason === 'unsupported content type' ? 415 : 400);
        }
        const fields = form.fields;
        const v = deps.channels.get(channelName).verifyNotify(fields);
        const reject = async (reason: string, status = 400): Promise<FastifyReply> => {
          // Filed against its payment when the trade number is ours, so operators see it in context.
          const claimed = v.outTradeNo
            ? await deps.payments.findAttemptByChannelOutTradeNo(v.outTradeNo)
            : null;
          await recordRefusal(req, reason, fields, claimed?.payment.id ?? null);
          return fail(reply, status);
        };
        if (!v.ok) return reject(v.reason);
        const refused = await acceptVerifiedNotify(deps, channelName, v, fields);
        if (refused) return reject(refused);
        return reply.code(200).type('text/plain').send('success');
      },
    );
  });
}

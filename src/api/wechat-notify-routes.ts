import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotifyVerification, RawNotify } from '../channels/channel-port';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { PaymentClient } from '../client/payment-client';
import type { NotificationInbox } from '../db/channel-notify-inbox';
import type { PaymentRepository } from '../db/payment-repository';
import { acceptVerifiedNotify } from './verified-notify';

interface WechatNotifyDeps {
  client: PaymentClient;
  channels: ChannelRegistry;
  inbox: NotificationInbox;
  payments: PaymentRepository;
}

const SIGNED_HEADERS = ['wechatpay-serial', 'wechatpay-signature', 'wechatpay-timestamp', 'wechatpay-nonce'];

/**
 * Contract section 9: a static `POST /v1/channels/<account>/notify` per channel account whose notifies
 * are signed over headers and raw body (WeChat Pay); static routes win over the Alipay-style parametric
 * one. Verify, record in the inbox (every refusal too), signal the payment's workflow, then 204; anything
 * we cannot trust changes nothing and answers 4xx `{ code: "FAIL", message }`.
 */
export async function registerWechatNotifyRoutes(
  app: FastifyInstance,
  deps: WechatNotifyDeps,
): Promise<void> {
  const names = deps.channels.names().filter((name) => 'verifyRawNotify' in deps.channels.get(name));
  if (names.length === 0) return;
  await app.register(async (scope) => {
    // The signature is over the body exactly as sent: keep it as text, whatever its content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    // Whatever fails (a body too large, a dependency down), WeChat gets its own answer shape, never problem+json.
    scope.setErrorHandler(async (err: FastifyError, req, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode < 500 ? err.statusCode : 503;
      if (status >= 500) req.log.error({ err }, 'WeChat notification not handled: a dependency failed');
      return reply
        .code(status)
        .send({ code: 'FAIL', message: status >= 500 ? 'try again later' : err.message });
    });
    for (const name of names) {
      scope.post(
        `/v1/channels/${name}/notify`,
        { schema: { summary: `WeChat Pay notification for ${name} (API v3)`, tags: ['channels'] } },
        (req, reply) => handle(name, req, reply, deps),
      );
    }
  });
}

async function handle(
  channelName: string,
  req: FastifyRequest,
  reply: FastifyReply,
  deps: WechatNotifyDeps,
): Promise<FastifyReply> {
  const notify: RawNotify = {
    headers: Object.fromEntries(SIGNED_HEADERS.map((name) => [name, single(req.headers[name])])),
    rawBody: typeof req.body === 'string' ? req.body : '',
  };
  const v: NotifyVerification = deps.channels.get(channelName).verifyRawNotify?.(notify) ?? {
    ok: false,
    notifyId: null,
    outTradeNo: null,
    reason: 'channel cannot verify raw notifies',
  };
  // Only the headers that came: a missing one is no value to record.
  const raw: Record<string, string> = { body: notify.rawBody };
  for (const [name, value] of Object.entries(notify.headers)) if (value !== undefined) raw[name] = value;
  const reject = async (reason: string, status = 400): Promise<FastifyReply> => {
    // Filed against its payment when the trade number is ours, so operators see it in context.
    const claimed = v.outTradeNo ? await deps.payments.findAttemptByChannelOutTradeNo(v.outTradeNo) : null;
    await deps.inbox.record({
      channel: channelName,
      notifyId: v.notifyId,
      raw,
      verified: false,
      rejectionReason: reason,
      outTradeNo: v.outTradeNo,
      tradeStatus: null,
      paymentId: claimed?.payment.id ?? null,
    });
    req.log.warn({ channel: channelName, reason }, 'channel notification rejected');
    return reply.code(status).send({ code: 'FAIL', message: reason });
  };
  if (!v.ok) return reject(v.reason, v.reason.startsWith('signature probe') ? 401 : 400);
  const refused = await acceptVerifiedNotify(deps, channelName, v, raw);
  if (refused) return reject(refused);
  return reply.code(204).send();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

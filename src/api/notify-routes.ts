import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { PaymentClient } from '../client/payment-client';
import type { NotificationInbox } from '../db/notification-inbox';
import type { PaymentRepository } from '../db/payment-repository';

interface NotifyDeps {
  client: PaymentClient;
  channels: ChannelRegistry;
  inbox: NotificationInbox;
  payments: PaymentRepository;
}

const fail = (reply: FastifyReply, status: number): FastifyReply =>
  reply.code(status).type('text/plain').send('fail');

/**
 * Contract section 3: verify, record in the inbox, then hand to the payment's workflow. `success` only
 * once the inbox row is committed; anything we cannot trust changes nothing and is kept for operators.
 */
export async function registerNotifyRoutes(app: FastifyInstance, deps: NotifyDeps): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 64 * 1024 });
    scope.post<{ Params: { channel: string }; Body: Record<string, unknown> }>(
      '/v1/channels/:channel/notify',
      {
        schema: {
          summary: 'Asynchronous notification from a payment channel (channel format)',
          tags: ['channels'],
        },
      },
      async (req, reply) => {
        const channelName = req.params.channel;
        if (!deps.channels.has(channelName)) return fail(reply, 404);
        const fields = toStringFields(req.body);
        if (!fields) return fail(reply, 400);
        const v = deps.channels.get(channelName).verifyNotify(fields);
        const reject = async (reason: string, status = 400): Promise<FastifyReply> => {
          // Filed against its payment when the trade number is ours, so operators see it in context.
          const claimed = v.outTradeNo
            ? await deps.payments.findAttemptByChannelOutTradeNo(v.outTradeNo)
            : null;
          await deps.inbox.record({
            channel: channelName,
            notifyId: v.notifyId,
            raw: fields,
            verified: false,
            rejectionReason: reason,
            outTradeNo: v.outTradeNo,
            tradeStatus: fields.trade_status ?? null,
            paymentId: claimed?.payment.id ?? null,
          });
          req.log.warn({ channel: channelName, reason }, 'channel notification rejected');
          return fail(reply, status);
        };
        if (!v.ok) return reject(v.reason);
        const found = await deps.payments.findAttemptByChannelOutTradeNo(v.outTradeNo);
        if (!found || found.attempt.channel !== channelName) return reject('unknown out_trade_no');
        if (v.amount !== found.payment.amount) {
          return reject(`amount ${v.amount} differs from the attempt's ${found.payment.amount}`);
        }
        await deps.inbox.record({
          channel: channelName,
          notifyId: v.notifyId,
          raw: fields,
          verified: true,
          rejectionReason: null,
          outTradeNo: v.outTradeNo,
          tradeStatus: v.tradeStatus,
          paymentId: found.payment.id,
        });
        // Signalled even for a duplicate: the first one's signal may have been lost in a crash; the workflow dedupes.
        await deps.client.notify(
          found.payment.workflow_id,
          {
            channel: channelName,
            channelOutTradeNo: v.outTradeNo,
            channelTradeNo: v.channelTradeNo,
            status: v.tradeStatus === 'FINISHED' ? 'PAID' : v.tradeStatus,
            amount: v.amount,
            paidAt: v.paidAt ? v.paidAt.toISOString() : null,
            notifyId: v.notifyId,
          },
          found.payment.id,
        );
        return reply.code(200).type('text/plain').send('success');
      },
    );
  });
}

function toStringFields(body: unknown): Record<string, string> | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') return null;
    out[k] = v;
  }
  return out;
}

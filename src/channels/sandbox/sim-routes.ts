import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toDecimalString } from '../../domain/money';
import { beijingDayRange } from '../beijing-time';
import { SANDBOX_ACCOUNT_NAMES } from './sandbox-keys';
import type { SandboxNotifier } from './sandbox-notifier';
import type { SandboxTrade } from './sandbox-trade';
import type { TradeBook } from './trade-book';
import { SANDBOX_WECHAT_ACCOUNT } from './wechat/wechat-keys';

const orphanRequest = z.strictObject({
  channel: z.enum([...SANDBOX_ACCOUNT_NAMES, SANDBOX_WECHAT_ACCOUNT]),
  amount: z.number().int().min(1).max(10_000_000_000),
});

/** The sandbox's own routes besides the gateway and bills: health, QR pages, orphans, notify resends. */
export function registerSimRoutes(
  app: FastifyInstance,
  {
    book,
    notifier,
    wechat,
  }: {
    book: TradeBook;
    notifier: SandboxNotifier;
    /** `sandbox_wechat` lives on its own port, with its own trade book: its orphans and bills are there. */
    wechat: () => {
      createOrphan(totalFen: number, now: Date): SandboxTrade;
      billFile(day: string): Buffer;
    };
  },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** `GET /sim/bills/{account}/{billDate}` for `sandbox_wechat`: the gzip its download_url serves. */
  app.get<{ Params: { billDate: string } }>(
    `/sim/bills/${SANDBOX_WECHAT_ACCOUNT}/:billDate`,
    async (request, reply) => {
      const { billDate } = request.params;
      if (!beijingDayRange(billDate)) return reply.code(400).send({ error: 'billDate must be yyyy-MM-dd' });
      return reply.type('application/gzip').send(wechat().billFile(billDate));
    },
  );

  /** A channel retrying long after the fact: the trade's notify again now, and what the service said. */
  app.post<{ Params: { outTradeNo: string } }>('/sim/trades/:outTradeNo/notify', async (request, reply) => {
    const trade = book.findInAnyAccount(request.params.outTradeNo);
    if (!trade) return reply.code(404).send({ error: 'no such trade' });
    const delivery = await notifier.sendNow(trade);
    if (!delivery) return reply.code(409).send({ error: 'the trade has no notify_url' });
    if ('error' in delivery) return reply.code(502).send(delivery);
    return reply.send(delivery);
  });

  /** A paid trade the service never asked for: reconciliation must report it (CHANNEL_ONLY). */
  app.post('/sim/orphan-trades', async (request, reply) => {
    const parsed = orphanRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) });
    const { channel, amount } = parsed.data;
    const trade =
      channel === SANDBOX_WECHAT_ACCOUNT
        ? wechat().createOrphan(amount, new Date())
        : book.createOrphan(channel, amount, new Date());
    return reply.code(201).send({
      channel,
      outTradeNo: trade.outTradeNo,
      tradeNo: trade.tradeNo,
      amount: trade.totalFen,
      currency: 'CNY',
      totalAmount: toDecimalString(trade.totalFen, 'CNY'),
      paidAt: trade.paidAt?.toISOString() ?? null,
    });
  });

  /** The page a precreate qr_code leads to; the simulated buyer pays on their own. */
  app.get<{ Params: { tradeNo: string } }>('/qr/:tradeNo', async (request, reply) => {
    const trade = book.findByTradeNo(request.params.tradeNo);
    if (!trade) return reply.code(404).type('text/plain').send('no such trade');
    return reply.type('text/plain; charset=utf-8').send(`Sandbox trade ${trade.outTradeNo}: ${trade.status}`);
  });
}

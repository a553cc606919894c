import type { AddressInfo } from 'node:net';
import fastify from 'fastify';
import { JournalFile } from '../journal-file';
import type { SandboxFaults } from '../sandbox-faults';
import type { SandboxScheduler } from '../sandbox-scheduler';
import type { SandboxTrade } from '../sandbox-trade';
import { TradeBook } from '../trade-book';
import { TradeJournal } from '../trade-journal';
import { registerWechatBillRoutes } from './wechat-bill-routes';
import { WECHAT_BOOK_ACCOUNT, type WechatContext } from './wechat-context';
import { loadOrCreateWechatSandboxKeys, type WechatSandboxKeys } from './wechat-keys';
import { WechatLedger } from './wechat-ledger';
import { WechatLedgerJournal } from './wechat-ledger-journal';
import { WechatNotifier } from './wechat-notifier';
import { registerWechatPayRoutes, transactionOf } from './wechat-pay-routes';
import { registerWechatRefundRoutes, scheduleRefundEnd } from './wechat-refund-routes';

export interface WechatSandboxOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  dataDir: string;
  /** Shared with the Alipay-style sandbox, so closing it cancels every timer. */
  scheduler: SandboxScheduler;
  faults: SandboxFaults;
  notifyScheduleScale: number;
  payDelayMs: number;
  latePayDelayMs: number;
  timeoutDelayMs: number;
  /** How long a refund stays PROCESSING. Default: payDelayMs. */
  refundDelayMs?: number;
  log: (message: string) => void;
  logRequests?: boolean;
  /**
   * The file that keeps this account's books (its trade book's lines and its ledger's refunds and buyer
   * tokens) across restarts; none: in memory only.
   */
  journalFile?: string;
}

export interface WechatSandbox {
  url: string;
  port: number;
  keys: WechatSandboxKeys;
  /** A paid trade the service never asked for (`POST /sim/orphan-trades` with `sandbox_wechat`). */
  createOrphan(totalFen: number, now: Date): SandboxTrade;
  /** The day's bill as its download_url serves it (gzip). */
  billFile(day: string): Buffer;
  close(): Promise<void>;
}

/** The `sandbox_wechat` account: WeChat Pay API v3 on its own port (contract section 9). */
export async function startWechatSandbox(opts: WechatSandboxOptions): Promise<WechatSandbox> {
  const keys = loadOrCreateWechatSandboxKeys(opts.dataDir);
  const app = fastify({ logger: opts.logRequests ?? false, forceCloseConnections: true });
  // Signatures are over the body exactly as sent: every body is kept as its raw text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const journal = opts.journalFile ? new JournalFile(opts.journalFile) : null;
  const ledger = new WechatLedger(journal && new WechatLedgerJournal(journal));
  let notifier: WechatNotifier | null = null;
  const book = new TradeBook(
    opts.scheduler,
    { payDelayMs: opts.payDelayMs, latePayDelayMs: opts.latePayDelayMs },
    (trade, change) => notifier?.notify(trade, change),
    journal && new TradeJournal(journal),
  );
  const ctx: WechatContext = {
    keys,
    book,
    ledger,
    scheduler: opts.scheduler,
    faults: opts.faults,
    timeoutDelayMs: opts.timeoutDelayMs,
    refundDelayMs: opts.refundDelayMs ?? opts.payDelayMs,
  };
  notifier = new WechatNotifier({
    keys,
    scheduler: opts.scheduler,
    faults: opts.faults,
    scheduleScale: opts.notifyScheduleScale,
    transactionOf: (trade) => transactionOf(trade, ctx),
    log: opts.log,
    onDelivered: (trade, change) => book.notified(trade, change),
  });
  const sender = notifier;

  // Nothing is served before the journal is read back (below, once the port is ours).
  let resumed = false;
  app.addHook('onRequest', (_request, reply, done) => {
    if (resumed) return done();
    void reply.code(503).type('text/plain').send('starting');
  });
  registerWechatPayRoutes(app, ctx);
  registerWechatRefundRoutes(app, ctx);
  const bills = registerWechatBillRoutes(app, ctx);
  app.post<{ Params: { outTradeNo: string } }>('/sim/trades/:outTradeNo/notify', async (request, reply) => {
    const trade = book.find(WECHAT_BOOK_ACCOUNT, request.params.outTradeNo);
    if (!trade) return reply.code(404).send({ error: 'no such trade' });
    const delivery = await sender.sendNow(trade);
    if (!delivery) return reply.code(409).send({ error: 'trade has no notify_url' });
    return reply.send(delivery);
  });
  try {
    await app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    // The port may be taken (the caller then tries another): nothing was read or scheduled yet.
    journal?.close();
    throw err;
  }
  // After a restart: the book first (it re-derives the buyer, expiry, late debit and unacknowledged
  // notify), then the refunds tied to its trades, those still PROCESSING moving on to their end.
  const now = new Date();
  book.resume(now);
  for (const refund of ledger.resume((outTradeNo) => book.find(WECHAT_BOOK_ACCOUNT, outTradeNo)))
    scheduleRefundEnd(ctx, refund, now);
  resumed = true;

  const { port, address, family } = app.server.address() as AddressInfo;
  const host =
    address === '0.0.0.0' || address === '::' ? '127.0.0.1' : family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    keys,
    createOrphan: (totalFen, at) => book.createOrphan(WECHAT_BOOK_ACCOUNT, totalFen, at),
    billFile: (day) => bills.billFile(day),
    async close() {
      sender.stop();
      await app.close();
      journal?.close();
    },
  };
}

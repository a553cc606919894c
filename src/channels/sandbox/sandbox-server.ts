import type { AddressInfo } from 'node:net';
import formbody from '@fastify/formbody';
import fastify from 'fastify';
import { registerBillRoutes } from './bill-routes';
import { registerFaultRoutes } from './fault-routes';
import { registerGatewayRoute } from './gateway-route';
import { SandboxFaults } from './sandbox-faults';
import { SandboxNotifier } from './sandbox-notifier';
import {
  SANDBOX_ACCOUNT_NAMES,
  loadOrCreateSandboxKeys,
  type SandboxAccountName,
  type SandboxKeys,
} from './sandbox-keys';
import { SandboxScheduler } from './sandbox-scheduler';
import { registerSimRoutes } from './sim-routes';
import { TradeBook } from './trade-book';
import { startWechatSandbox, type WechatSandbox } from './wechat/wechat-server';
import { JournalFile } from './journal-file';
import { TradeJournal } from './trade-journal';

export interface SandboxServerOptions {
  /** 0 picks a free port (tests). Default 3100. */
  port?: number;
  host?: string;
  /** Where the account keys live (`<dataDir>/sandbox-keys`). */
  dataDir: string;
  /** Multiplies Alipay's notify retry schedule (4m … 15h); e.g. 0.0001 turns 4 minutes into 24 ms. */
  notifyScheduleScale?: number;
  /** How long after the trade's creation the simulated buyer pays. Default 200 ms. */
  payDelayMs?: number;
  /** How long after a close sim_pay_after_close's money arrives. Default 2 s. */
  latePayDelayMs?: number;
  /** How long sim_timeout_then_success holds the pay answer back. Default 5 s. */
  timeoutDelayMs?: number;
  /**
   * The file that keeps the trade book across restarts (JSON lines, see trade-journal.ts); none: the
   * book lives in memory only (unit tests, the benchmark). The sandbox's own entry (main.ts) keeps one.
   */
  journalFile?: string;
  /** The file that keeps `sandbox_wechat`'s books. Default, given `journalFile`: `<journal>.wechat.jsonl`. */
  wechatJournalFile?: string;
  log?: boolean;
  /** The WeChat Pay account's own port: default the next port after `port` (0 when `port` is 0). */
  wechatPort?: number;
}

export interface SandboxServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** `sandbox_wechat`, speaking WeChat Pay API v3 on its own port (contract section 9). */
  wechat: Pick<WechatSandbox, 'url' | 'port' | 'keys'>;
  accounts: Record<
    SandboxAccountName,
    { appId: string; appPublicKeyPem: string; appPrivateKeyPem: string; channelPublicKeyPem: string }
  >;
}

/** Starts the Alipay-style sandbox channel: a real HTTP server whose trades live in memory and, given a journal file, on disk. */
export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const keys = Object.fromEntries(
    SANDBOX_ACCOUNT_NAMES.map((name) => [name, loadOrCreateSandboxKeys(opts.dataDir, name)]),
  ) as Record<SandboxAccountName, SandboxKeys>;
  const scheduler = new SandboxScheduler();
  const faults = new SandboxFaults();
  // Closing destroys keep-alive and held-back connections instead of waiting for them.
  const app = fastify({ logger: opts.log ?? false, forceCloseConnections: true });
  const notifier = new SandboxNotifier({
    scheduler,
    faults,
    scheduleScale: opts.notifyScheduleScale ?? 1,
    keys,
    log: (message) => app.log.info(message),
    onDelivered: (trade, change) => book.notified(trade, change),
  });
  const timing = { payDelayMs: opts.payDelayMs ?? 200, latePayDelayMs: opts.latePayDelayMs ?? 2000 };
  const journalFile = opts.journalFile ? new JournalFile(opts.journalFile) : null;
  const journal = journalFile && new TradeJournal(journalFile);
  const book = new TradeBook(scheduler, timing, (trade, change) => notifier.notify(trade, change), journal);
  book.resume(new Date());
  const timeoutDelayMs = opts.timeoutDelayMs ?? 5000;

  await app.register(formbody);
  registerGatewayRoute(app, { keys, faults, context: () => ({ book, scheduler, timeoutDelayMs }) });
  // The WeChat account starts after this port listens; an orphan for it waits for nothing but that.
  let wechatBook: Pick<WechatSandbox, 'createOrphan' | 'billFile'> | null = null;
  registerSimRoutes(app, {
    book,
    notifier,
    wechat: () => {
      if (!wechatBook) throw new Error('sandbox_wechat is not started yet');
      return wechatBook;
    },
  });
  registerBillRoutes(app, book);
  registerFaultRoutes(app, faults);
  await app.listen({ port: opts.port ?? 3100, host: opts.host ?? '127.0.0.1' });
  const startWechat = (port: number): Promise<WechatSandbox> =>
    startWechatSandbox({
      port,
      host: opts.host ?? '127.0.0.1',
      dataDir: opts.dataDir,
      scheduler,
      faults,
      notifyScheduleScale: opts.notifyScheduleScale ?? 1,
      ...timing,
      timeoutDelayMs,
      log: (message) => app.log.info(message),
      logRequests: opts.log,
      journalFile: opts.wechatJournalFile ?? opts.journalFile?.replace(/(\.jsonl)?$/, '.wechat.jsonl'),
    });
  // A port derived from `port` may be taken (a test restarting the sandbox on its old random port).
  const wechat =
    opts.wechatPort !== undefined || opts.port === 0
      ? await startWechat(opts.wechatPort ?? 0)
      : await startWechat((opts.port ?? 3100) + 1).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EADDRINUSE' || opts.port === undefined) throw err;
          return startWechat(0);
        });
  wechatBook = wechat;

  const { port, address, family } = app.server.address() as AddressInfo;
  const host =
    address === '0.0.0.0' || address === '::' ? '127.0.0.1' : family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    wechat: { url: wechat.url, port: wechat.port, keys: wechat.keys },
    accounts: Object.fromEntries(
      SANDBOX_ACCOUNT_NAMES.map((name) => {
        const { appId, appPublicKeyPem, appPrivateKeyPem, channelPublicKeyPem } = keys[name];
        return [name, { appId, appPublicKeyPem, appPrivateKeyPem, channelPublicKeyPem }];
      }),
    ) as SandboxServer['accounts'],
    async close() {
      scheduler.stop();
      notifier.stop();
      await Promise.all([app.close(), wechat.close()]);
      journalFile?.close();
    },
  };
}

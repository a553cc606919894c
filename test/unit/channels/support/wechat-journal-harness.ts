import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beijingDay } from '../../../../src/channels/beijing-time';
import type { PayRequest, RawNotify } from '../../../../src/channels/channel-port';
import { sandboxWechatAccountConfig } from '../../../../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer, type SandboxServer } from '../../../../src/channels/sandbox/sandbox-server';
import { WechatPayChannel } from '../../../../src/channels/wechatpay/wechatpay-channel';
import { WechatPayClient } from '../../../../src/channels/wechatpay/wechatpay-client';
import { eventually, newWechatOutTradeNo } from './wechat-harness';

/** One run of the sandbox on the harness's journal, and the WeChat adapter and raw client for it. */
export interface Running {
  server: SandboxServer;
  ch: WechatPayChannel;
  client: WechatPayClient;
}

/**
 * The sandbox, stopped and started again on one journal, with a receiver of its WeChat notifies (each
 * verified and decrypted by the adapter). WeChat's notify retries come far later than a test ends, so only
 * a restart's resend delivers a notify the receiver refused.
 */
export class RestartableWechatSandbox {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'wechat-journal-'));
  readonly journalFile = join(this.dataDir, 'journal.jsonl');
  /** The out_trade_no of every notify received, in order. */
  readonly notified: string[] = [];
  /** Trades whose notifies the receiver refuses (answers 500). */
  readonly refused = new Set<string>();
  running: Running | null = null;
  private receiverUrl = '';
  private readonly receiver: Server = createServer((req, res) => {
    let rawBody = '';
    req.on('data', (chunk: Buffer) => (rawBody += chunk.toString('utf8')));
    req.on('end', () => {
      const headers: RawNotify['headers'] = {};
      for (const [name, value] of Object.entries(req.headers))
        headers[name] = Array.isArray(value) ? value[0] : value;
      const verified = this.running?.ch.verifyRawNotify({ headers, rawBody });
      const outTradeNo = verified?.ok ? verified.outTradeNo : 'unverified';
      this.notified.push(outTradeNo);
      res.statusCode = this.refused.has(outTradeNo) ? 500 : 204;
      res.end();
    });
  });

  constructor(private readonly payDelayMs: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.receiver.listen(0, '127.0.0.1', resolve));
    this.receiverUrl = `http://127.0.0.1:${(this.receiver.address() as AddressInfo).port}`;
  }

  async start(): Promise<Running> {
    const server = await startSandboxServer({
      port: 0,
      dataDir: this.dataDir,
      journalFile: this.journalFile,
      payDelayMs: this.payDelayMs,
      notifyScheduleScale: 1,
    });
    const config = sandboxWechatAccountConfig({
      wechatUrl: server.wechat.url,
      notifyBaseUrl: this.receiverUrl,
      dataDir: this.dataDir,
      timeoutMs: 2000,
    });
    this.running = { server, ch: new WechatPayChannel(config), client: new WechatPayClient(config) };
    return this.running;
  }

  async stop(): Promise<void> {
    await this.running?.server.close();
    this.running = null;
  }

  async restart(pauseMs: number): Promise<Running> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    this.receiver.closeAllConnections();
    await new Promise((resolve) => this.receiver.close(resolve));
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  countOf(outTradeNo: string): number {
    return this.notified.filter((no) => no === outTradeNo).length;
  }
}

export const payment = (token: string): PayRequest => ({
  outTradeNo: newWechatOutTradeNo(),
  amount: 1999,
  currency: 'CNY',
  subject: 'Tea, green',
  expiresAt: new Date(Date.now() + 60_000),
  method: { type: 'wallet', token },
});

/** The signed API v3 answers, as they are (the client checks their signatures). */
export const rawQuery = async (r: Running, outTradeNo: string) =>
  r.client.call('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}`, {
    params: { mchid: r.server.wechat.keys.mchId },
  });
export const rawRefund = async (r: Running, outRefundNo: string) =>
  r.client.call('GET', `/v3/refund/domestic/refunds/${outRefundNo}`);

/** Today's bill as the WeChat sandbox serves it, unzipped. */
export async function billText(r: Running): Promise<string> {
  const response = await fetch(`${r.server.wechat.url}/sim/bills/${beijingDay(new Date())}`);
  return gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8');
}

export async function paid(r: Running, req: PayRequest): Promise<void> {
  expect(await r.ch.pay(req)).toMatchObject({ outcome: 'PENDING' });
  await eventually(async () => ((await r.ch.query(req.outTradeNo)).status === 'PAID' ? true : null));
}

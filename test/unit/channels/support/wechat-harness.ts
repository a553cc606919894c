import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxWechatAccountConfig } from '../../../../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer, type SandboxServer } from '../../../../src/channels/sandbox/sandbox-server';
import type { WechatPayAccountConfig } from '../../../../src/channels/wechatpay/wechatpay-config';

/** One notify as our receiver got it: headers and the raw body, exactly as sent. */
export interface ReceivedWechatNotify {
  /** Lower-case names, one value each (as the service's notify route reads them). */
  headers: Record<string, string | undefined>;
  rawBody: string;
}

export interface WechatHarness {
  sandbox: SandboxServer;
  dataDir: string;
  /** Where notifies go: `<receiverUrl>/v1/channels/sandbox_wechat/notify`. */
  receiverUrl: string;
  notifies: ReceivedWechatNotify[];
  /** The HTTP status the receiver answers; 204 unless a test says otherwise. */
  answerStatus: () => number;
  close(): Promise<void>;
}

export const WECHAT_TIMING = {
  payDelayMs: 60,
  latePayDelayMs: 300,
  timeoutDelayMs: 1500,
  notifyScale: 0.0001,
};

/** The sandbox (with sandbox_wechat on its own port) and a local server receiving WeChat notifies. */
export async function startWechatHarness(): Promise<WechatHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wechat-sandbox-test-'));
  const sandbox = await startSandboxServer({
    port: 0,
    dataDir,
    payDelayMs: WECHAT_TIMING.payDelayMs,
    latePayDelayMs: WECHAT_TIMING.latePayDelayMs,
    timeoutDelayMs: WECHAT_TIMING.timeoutDelayMs,
    notifyScheduleScale: WECHAT_TIMING.notifyScale,
  });
  const harness = { notifies: [] as ReceivedWechatNotify[], answerStatus: () => 204 };
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers))
        headers[name] = Array.isArray(value) ? value[0] : value;
      harness.notifies.push({ headers, rawBody: body });
      res.statusCode = harness.answerStatus();
      res.end();
    });
  });
  const port = await listen(receiver);
  return Object.assign(harness, {
    sandbox,
    dataDir,
    receiverUrl: `http://127.0.0.1:${port}`,
    async close() {
      await sandbox.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

export async function eventually<T>(probe: () => Promise<T | null> | T | null, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let seq = 0;
export const newWechatOutTradeNo = (): string => `wx${Date.now()}-${(seq += 1)}`;

/** The adapter's account for the harness's WeChat sandbox, notifying the harness's receiver. */
export const harnessAccount = (h: WechatHarness, timeoutMs: number): WechatPayAccountConfig =>
  sandboxWechatAccountConfig({
    wechatUrl: h.sandbox.wechat.url,
    notifyBaseUrl: h.receiverUrl,
    dataDir: h.dataDir,
    timeoutMs,
  });

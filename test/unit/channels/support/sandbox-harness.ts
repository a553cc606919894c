import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createChannelRegistry, type ChannelRegistry } from '../../../../src/channels/channel-registry';
import type { ChannelAccountConfig } from '../../../../src/channels/channel-config';
import type { ChannelPort, PayRequest } from '../../../../src/channels/channel-port';
import { sandboxAccountConfigs } from '../../../../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer, type SandboxServer } from '../../../../src/channels/sandbox/sandbox-server';

/** One notify as our receiver got it: the channel name from its path and the decoded form fields. */
export interface ReceivedNotify {
  channel: string;
  fields: Record<string, string>;
}

export interface SandboxHarness {
  sandbox: SandboxServer;
  dataDir: string;
  accounts: ChannelAccountConfig[];
  channels: ChannelRegistry;
  notifies: ReceivedNotify[];
  /** What the receiver answers; `success` unless a test says otherwise. */
  answerNotify: (notify: ReceivedNotify) => string;
  close(): Promise<void>;
}

/**
 * The SDK's HTTP client (undici) checks its header timeout on a coarse ~1 s tick, so a client timeout
 * fires up to a second late: the slow answer must come later still to be a timeout for sure.
 */
export const TEST_TIMING = {
  payDelayMs: 60,
  latePayDelayMs: 300,
  timeoutDelayMs: 1600,
  clientTimeoutMs: 300,
  notifyScale: 0.0001,
};

/** The sandbox on a random port with a fresh data folder, and a local server receiving its notifies. */
export async function startSandboxHarness(): Promise<SandboxHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  const sandbox = await startSandboxServer({
    port: 0,
    dataDir,
    payDelayMs: TEST_TIMING.payDelayMs,
    latePayDelayMs: TEST_TIMING.latePayDelayMs,
    timeoutDelayMs: TEST_TIMING.timeoutDelayMs,
    notifyScheduleScale: TEST_TIMING.notifyScale,
  });
  const harness: Omit<SandboxHarness, 'accounts' | 'channels' | 'close'> = {
    sandbox,
    dataDir,
    notifies: [],
    answerNotify: () => 'success',
  };
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const channel = /^\/v1\/channels\/([^/]+)\/notify$/.exec(req.url ?? '')?.[1] ?? '?';
      const notify = { channel, fields: Object.fromEntries(new URLSearchParams(body)) };
      harness.notifies.push(notify);
      res.end(harness.answerNotify(notify));
    });
  });
  const receiverPort = await listen(receiver);
  const accounts = sandboxAccountConfigs({
    sandboxUrl: sandbox.url,
    notifyBaseUrl: `http://127.0.0.1:${receiverPort}`,
    dataDir,
    timeoutMs: TEST_TIMING.clientTimeoutMs,
  });
  return Object.assign(harness, {
    accounts,
    channels: createChannelRegistry(accounts),
    async close() {
      await sandbox.close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** `<payment>-<attempt>` like the service's channel trade numbers. */
export function newOutTradeNo(attemptNo = 1, payment = `pay_${randomBytes(6).toString('hex')}`): string {
  return `${payment}-${attemptNo}`;
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A whole second at least `minMs` ahead: time_expire has one-second resolution. */
export function wholeSecondAhead(minMs: number): Date {
  return new Date(Math.ceil((Date.now() + minMs) / 1000) * 1000);
}

export function inAnHour(): Date {
  return new Date(Date.now() + 3_600_000);
}

/** A 19.99 CNY order for one hour, paid with `token` (none: the QR code flow). */
export function payRequest(token: string | undefined, overrides: Partial<PayRequest> = {}): PayRequest {
  return {
    outTradeNo: newOutTradeNo(),
    amount: 1999,
    currency: 'CNY',
    subject: 'Coffee',
    expiresAt: inAnHour(),
    method: token === undefined ? undefined : { type: 'wallet', token },
    ...overrides,
  };
}

/** Waits until the channel reports the trade paid. */
export function paidByQuery(channel: ChannelPort, outTradeNo: string) {
  return eventually(async () => {
    const q = await channel.query(outTradeNo);
    return q.status === 'PAID' ? q : undefined;
  });
}

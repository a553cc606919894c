import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Pool } from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../../src/api/app';
import { createChannelRegistry, type ChannelRegistry } from '../../../src/channels/channel-registry';
import {
  sandboxAccountConfigs,
  sandboxWechatAccountConfig,
} from '../../../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer } from '../../../src/channels/sandbox/sandbox-server';
import { PaymentClient } from '../../../src/client/payment-client';
import { migrate } from '../../../src/db/migrate';
import { PaymentRepository } from '../../../src/db/payment-repository';
import { createPool } from '../../../src/db/pool';
import { DEFAULT_DEMO_KEYS, seedDemo } from '../../../src/db/seed';
import { createPaymentWorker } from '../../../src/worker/create-worker';
import type { PaymentWorkflowOptions } from '../../../src/workflows/contract';

export const MERCHANT_KEY = DEFAULT_DEMO_KEYS.merchantKey;
export const MERCHANT2_KEY = DEFAULT_DEMO_KEYS.merchant2Key;

export interface TestStack {
  apiUrl: string;
  sandboxUrl: string;
  /** Takes the sandbox channel off the network (connections refused) until sandboxUp(). */
  sandboxDown(): Promise<void>;
  /** Brings it back on the same port, with the trades it had (its journal is this stack's own). */
  sandboxUp(): Promise<void>;
  pool: Pool;
  client: PaymentClient;
  channels: ChannelRegistry;
  taskQueue: string;
  dataDir: string;
  api(
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<ApiAnswer>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run integration tests through jest's global setup (npm test)`);
  return v;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * The whole service in this test process, on real parts: PostgreSQL and the Temporal dev server from the
 * global setup, the sandbox channel as a real HTTP server with RSA2 keys, a worker on its own task queue.
 */
export async function startTestStack(opts: {
  taskQueue: string;
  workflowOptions?: PaymentWorkflowOptions;
  sandbox?: { payDelayMs?: number; timeoutDelayMs?: number };
  worker?: boolean;
  /** Another Temporal server than the shared one (a test that restarts its server brings its own). */
  temporalAddress?: string;
}): Promise<TestStack> {
  const temporalAddress = opts.temporalAddress ?? env('TEMPORAL_ADDRESS');
  const dataDir = join(process.cwd(), '.data', 'test-sandbox');
  mkdirSync(dataDir, { recursive: true });
  const pool = createPool(env('DATABASE_URL'));
  await migrate(pool);
  await seedDemo(pool, DEFAULT_DEMO_KEYS, 'test');

  // The keys are shared by every stack; the trade journal is this stack's, so a restart finds its trades.
  const journalFile = join(mkdtempSync(join(tmpdir(), 'test-sandbox-journal-')), 'journal.jsonl');
  const sandboxOptions = { dataDir, journalFile, notifyScheduleScale: 0.001, ...opts.sandbox };
  let sandbox = await startSandboxServer({ port: 0, ...sandboxOptions });
  let sandboxRunning = true;
  const sandboxPort = sandbox.port;
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const wechatPort = sandbox.wechat.port;
  const channels = createChannelRegistry([
    ...sandboxAccountConfigs({ sandboxUrl: sandbox.url, notifyBaseUrl: apiUrl, dataDir, timeoutMs: 2_000 }),
    sandboxWechatAccountConfig({
      wechatUrl: sandbox.wechat.url,
      notifyBaseUrl: apiUrl,
      dataDir,
      timeoutMs: 2_000,
    }),
  ]);

  const connection = await Connection.connect({ address: temporalAddress });
  const client = new PaymentClient(new Client({ connection }), {
    taskQueue: opts.taskQueue,
    records: new PaymentRepository(pool),
    workflowOptions: { pollInitialMs: 1_000, pollMaxMs: 5_000, graceMs: 60_000, ...opts.workflowOptions },
  });

  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  const startWorker = async (): Promise<void> => {
    const w = await createPaymentWorker({
      temporalAddress,
      taskQueue: opts.taskQueue,
      pool,
      channels,
      workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
    });
    worker = w.worker;
    running = w.worker.run().finally(() => w.connection.close());
  };
  const stopWorker = async (): Promise<void> => {
    if (!worker) return;
    worker.shutdown();
    await running;
    worker = null;
  };
  const app: FastifyInstance = await buildApi({ pool, client, channels });
  await app.listen({ host: '127.0.0.1', port: apiPort });
  if (opts.worker !== false) await startWorker();

  return {
    apiUrl,
    sandboxUrl: sandbox.url,
    async sandboxDown() {
      if (sandboxRunning) await sandbox.close();
      sandboxRunning = false;
    },
    async sandboxUp() {
      sandbox = await startSandboxServer({ port: sandboxPort, wechatPort, ...sandboxOptions });
      sandboxRunning = true;
    },
    pool,
    client,
    channels,
    taskQueue: opts.taskQueue,
    dataDir,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? MERCHANT_KEY : o.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${apiUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    stopWorker,
    startWorker,
    async stop() {
      await app.close();
      await stopWorker();
      if (sandboxRunning) await sandbox.close();
      rmSync(dirname(journalFile), { recursive: true, force: true });
      await connection.close();
      await pool.end();
    },
  };
}

let seq = 0;
/** A unique order number per call, so tests never collide across runs on the same database. */
export function orderNo(prefix = 'T'): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${seq}`;
}

export function inMinutes(min: number): string {
  return new Date(Date.now() + min * 60_000).toISOString();
}

export function inSeconds(s: number): string {
  return new Date(Date.now() + s * 1_000).toISOString();
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 200,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

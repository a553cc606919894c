/**
 * `npm start` stops: within a few seconds of SIGTERM, and by itself when the process that started it is
 * SIGKILLed (contract section 0); in both cases every process of the stack is gone and its ports are free.
 * The stack runs as `npm start` does (scripts/bootstrap.mjs start) with its own PostgreSQL and Temporal
 * dev server on free ports and a scratch data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isPortFree, LogTail, sleep, waitForExit } from '../../scripts/lib/proc';
import { processTree, stillAlive, type ProcessInfo } from '../support/process-tree';

const root = path.resolve(__dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stack-stop-'));
const READY = 'Ctrl-C stops everything.';

interface RunningStack {
  /** The process we spawned: bootstrap itself, or a shell standing in for npm around it. */
  launcher: ChildProcess;
  output: LogTail;
  ports: number[];
  processes: ProcessInfo[];
}

let current: RunningStack | undefined;

async function stackEnv(): Promise<{ env: NodeJS.ProcessEnv; ports: number[] }> {
  const ports: number[] = [];
  for (let i = 0; i < 5; i++) ports.push(await freePort());
  const [api, sandbox, pg, temporal, ui] = ports.map(String);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The stack must start its own servers, not use the integration run's.
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  Object.assign(env, {
    NODE_ENV: 'development',
    PORT: api,
    SANDBOX_PORT: sandbox,
    POSTGRES_PORT: pg,
    TEMPORAL_PORT: temporal,
    TEMPORAL_UI_PORT: ui,
    DATA_DIR: dataDir,
    // The run's bundle: no second webpack build on 2 cores.
    ...(process.env.TEST_WORKFLOW_BUNDLE ? { WORKFLOW_BUNDLE: process.env.TEST_WORKFLOW_BUNDLE } : {}),
  });
  return { env, ports };
}

/** Starts the stack (under `sh -c` when viaShell, as npm runs it) and waits for its banner. */
async function startStack(viaShell: boolean): Promise<RunningStack> {
  const { env, ports } = await stackEnv();
  const bootstrap = `${process.execPath} scripts/bootstrap.mjs start`;
  // `; exit $?` keeps the shell alive as bootstrap's parent (it would exec a lone command).
  const [command, args] = viaShell
    ? ['sh', ['-c', `${bootstrap}; exit $?`]]
    : [process.execPath, ['scripts/bootstrap.mjs', 'start']];
  const launcher = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new LogTail(80);
  const stack: RunningStack = { launcher, output, ports, processes: [] };
  current = stack;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in time:\n${output.toString()}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output.push(chunk);
      if (!output.toString().includes(READY)) return;
      clearTimeout(timer);
      resolve();
    };
    launcher.stdout?.on('data', onData);
    launcher.stderr?.on('data', onData);
    launcher.once('exit', (code) => reject(new Error(`stack exited (${code}):\n${output.toString()}`)));
  });
  stack.processes = processTree(launcher.pid!);
  return stack;
}

async function waitUntilGone(processes: ProcessInfo[], timeoutMs: number): Promise<ProcessInfo[]> {
  const end = Date.now() + timeoutMs;
  while (stillAlive(processes).length > 0 && Date.now() < end) await sleep(100);
  return stillAlive(processes);
}

async function busyPorts(ports: number[]): Promise<number[]> {
  const busy: number[] = [];
  for (const port of ports) if (!(await isPortFree(port))) busy.push(port);
  return busy;
}

const names = (ps: ProcessInfo[]): string[] => ps.map((p) => `${p.name} ${p.pid}`);

afterEach(async () => {
  // A failed case must not leave a stack behind for the next one.
  if (!current) return;
  for (const p of stillAlive(current.processes)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  current = undefined;
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('stops within 5 s of SIGTERM, leaving no process and no port behind', async () => {
  const stack = await startStack(false);
  // The stack really is several processes: bootstrap, the stack itself, PostgreSQL, Temporal.
  expect(stack.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['postgres', 'temporal']));
  expect(await busyPorts(stack.ports)).toHaveLength(stack.ports.length);

  const sent = Date.now();
  stack.launcher.kill('SIGTERM');
  const exited = await waitForExit(stack.launcher, 10_000);
  const tookMs = Date.now() - sent;
  expect({ exited, within5s: tookMs < 5_000, tookMs }).toEqual({ exited: true, within5s: true, tookMs });
  expect(stack.output.toString()).toMatch(/stopped in \d+ ms/);
  expect(names(await waitUntilGone(stack.processes, 1_000))).toEqual([]);
  expect(await busyPorts(stack.ports)).toEqual([]);
}, 90_000);

/**
 * `count` creates at once (half of them never paid), answered or cut off; resolves when all are settled.
 * 600 is enough for Temporal to push back, so that calls are still being retried when the stop begins.
 */
function flood(apiPort: number, count: number): Promise<unknown> {
  const orderDeadline = new Date(Date.now() + 10 * 60_000).toISOString();
  return Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      fetch(`http://127.0.0.1:${apiPort}/v1/payments`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_demo_merchant', 'content-type': 'application/json' },
        body: JSON.stringify({
          outTradeNo: `FLOOD-${Date.now()}-${i}`,
          amount: 100,
          currency: 'CNY',
          subject: 'flood',
          orderDeadline,
          method: { type: 'bank_card', token: i % 2 ? 'sim_success' : 'sim_pending' },
        }),
      }).then((r) => r.text()),
    ),
  );
}

it('after a flood of requests, drains its worker and stops on SIGINT without a gRPC channel error', async () => {
  const stack = await startStack(false);
  const requests = flood(stack.ports[0]!, 600);
  await sleep(4_000);
  const sent = Date.now();
  stack.launcher.kill('SIGINT');
  expect(await waitForExit(stack.launcher, 20_000)).toBe(true);
  const tookMs = Date.now() - sent;
  await requests;
  const output = stack.output.toString();
  expect(output).not.toMatch(/Channel has been shut down/);
  expect(output).toMatch(/state: 'DRAINED'/);
  expect({ exitCode: stack.launcher.exitCode, within15s: tookMs < 15_000, tookMs }).toEqual({
    exitCode: 0,
    within15s: true,
    tookMs,
  });
  expect(names(await waitUntilGone(stack.processes, 1_000))).toEqual([]);
}, 90_000);

it.each([
  ['bootstrap itself (the stack is left without its launcher)', false],
  ['the shell around bootstrap (as when npm is killed)', true],
])(
  'stops by itself within a few seconds when %s is SIGKILLed',
  async (_who, viaShell) => {
    const stack = await startStack(viaShell);
    stack.launcher.kill('SIGKILL');
    const survivors = await waitUntilGone(stack.processes, 8_000);
    expect({ survivors: names(survivors), output: survivors.length ? stack.output.toString() : '' }).toEqual({
      survivors: [],
      output: '',
    });
    expect(await busyPorts(stack.ports)).toEqual([]);
  },
  90_000,
);

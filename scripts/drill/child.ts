import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, killOnExit, sleep, stopChild, waitForExit } from '../lib/proc';

/**
 * One of the stack's Node processes (API, worker, sandbox), started as production starts it:
 * `node --import tsx <entry>` with its configuration in the environment, output to its own log file.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private unwatch: (() => void) | null = null;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    /** True once the process serves: a health URL answers, or its log since this start says so. */
    private readonly ready: (logSinceStart: string) => Promise<boolean>,
  ) {}

  get pid(): number | null {
    return this.child && !hasExited(this.child) ? (this.child.pid ?? null) : null;
  }

  get logFile(): string {
    return join(this.logDir, `${this.name}.log`);
  }

  async start(): Promise<void> {
    const offset = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const fd = openSync(this.logFile, 'a');
    try {
      this.child = spawn(process.execPath, ['--import', 'tsx', this.entry], {
        env: this.env,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    // The drill dying (an uncaught error, Ctrl-C) takes its processes with it.
    this.unwatch?.();
    this.unwatch = killOnExit(child, 'SIGKILL');
    const deadline = Date.now() + 90_000;
    const since = (): string => readFileSync(this.logFile).subarray(offset).toString('utf8');
    while (!(await this.ready(since()).catch(() => false))) {
      if (hasExited(child))
        throw new Error(`${this.name} exited at start; see ${this.logFile}\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready in 90 s; see ${this.logFile}`);
      await sleep(200);
    }
  }

  /** SIGKILL: no drain, no goodbye, as a crash or an OOM kill. */
  async kill(): Promise<void> {
    if (!this.child || hasExited(this.child)) return;
    this.child.kill('SIGKILL');
    await waitForExit(this.child, 10_000);
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, { signal: 'SIGTERM', graceMs: 12_000 });
  }

  private tail(): string {
    return readFileSync(this.logFile, 'utf8').slice(-3000);
  }
}

/** Ready when `url` answers 200. */
export function answers(url: string): () => Promise<boolean> {
  return async () => (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
}

/** Ready when the log since the start holds `line`. */
export function logSays(line: string): (logSinceStart: string) => Promise<boolean> {
  return (log) => Promise.resolve(log.includes(line));
}

/** Small process and network helpers shared by the local-stack and test infrastructure. */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the last lines a child printed, so a failure can show why without flooding the console. */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines = 60) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  toString(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing (the tail of) its combined output; never throws on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const tail = new LogTail(200);
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      tail.push(chunk);
      if (opts.echo) process.stderr.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // A missing binary surfaces as an 'error' event (ENOENT), not an exit code.
    child.on('error', (err) => resolve({ code: null, output: `${tail.toString()}\n${err.message}`.trim() }));
    child.on('close', (code) => resolve({ code, output: tail.toString() }));
  });
}

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `which`: the first executable named `name` on PATH, or undefined. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS says is free right now. Racy by nature, but good enough for tests on one machine. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not obtain a free port'))));
    });
  });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function waitForExit(child: ChildProcess, timeoutMs?: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => resolve(hasExited(child)), timeoutMs);
    child.once('exit', () => {
      if (timer) clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Asks politely with `signal`, then SIGKILLs after `graceMs`; resolves once the child is gone. */
export async function stopChild(
  child: ChildProcess,
  opts: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (hasExited(child)) return;
  child.kill(opts.signal ?? 'SIGTERM');
  if (await waitForExit(child, opts.graceMs ?? 5000)) return;
  child.kill('SIGKILL');
  await waitForExit(child);
}

/**
 * Kills the child if this Node process exits without stopping it (an uncaught error, process.exit()),
 * so servers are not left behind holding ports. Returns a function that removes the safety net.
 */
export function killOnExit(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): () => void {
  const onExit = (): void => {
    if (!hasExited(child)) child.kill(signal);
  };
  process.once('exit', onExit);
  return () => process.removeListener('exit', onExit);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

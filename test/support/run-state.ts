/**
 * On-disk state of one integration run: `.data/test-runs/<jest pid>/` holds the PostgreSQL cluster,
 * the Temporal SQLite file and log, the workflow bundle and the dev server's pid file. Keeping it
 * under the (git-ignored) project folder and naming it by pid lets the next run clean up after a run
 * that was killed before its teardown, servers included.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { clearStalePostmaster } from '../../scripts/lib/postgres';
import { dataDir } from '../../scripts/lib/paths';
import { sleep } from '../../scripts/lib/proc';

export const runsRoot = (): string => path.join(dataDir(), 'test-runs');

export function runLayout(runDir: string) {
  return {
    runDir,
    pgDataDir: path.join(runDir, 'pg'),
    temporalDbFile: path.join(runDir, 'temporal.db'),
    temporalLogFile: path.join(runDir, 'temporal.log'),
    temporalPidFile: path.join(runDir, 'temporal.pid'),
    workflowBundle: path.join(runDir, 'workflow-bundle.js'),
  };
}

async function cmdline(pid: number): Promise<string> {
  return fs.readFile(`/proc/${pid}/cmdline`, 'utf8').then(
    (s) => s.replace(/\0/g, ' '),
    () => '',
  );
}

/** Stops the process named in pidFile if it still runs a command containing `match` (guards pid reuse). */
export async function killFromPidFile(pidFile: string, match: string): Promise<void> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  for (const [signal, waitMs] of [
    ['SIGTERM', 5000],
    ['SIGKILL', 5000],
  ] as const) {
    if (!(await cmdline(pid)).includes(match)) return;
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    for (let waited = 0; waited < waitMs && (await cmdline(pid)).includes(match); waited += 100)
      await sleep(100);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes the folders (and stops the servers) of earlier runs whose jest process is gone. */
export async function cleanStaleRuns(): Promise<void> {
  const entries = await fs.readdir(runsRoot()).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(name);
    if (pid === process.pid || (Number.isInteger(pid) && pidAlive(pid))) continue;
    const layout = runLayout(path.join(runsRoot(), name));
    await killFromPidFile(layout.temporalPidFile, 'start-dev');
    await clearStalePostmaster(layout.pgDataDir).catch((err: unknown) => console.warn(String(err)));
    await fs.rm(layout.runDir, { recursive: true, force: true });
  }
}

/**
 * A cross-process lock for one-time installs (jest's global setup and `npm start` may race to download
 * the same tool). mkdir is atomic, so the directory itself is the lock; the owner's pid lets a later
 * process break a lock left by a killed run instead of waiting forever.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sleep } from './proc';

interface LockOptions {
  /** How long to wait for another process's install before giving up. */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned even if its pid is alive (pid reuse). */
  staleMs?: number;
  onWait?: () => void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isAbandoned(lockDir: string, staleMs: number): Promise<boolean> {
  try {
    const stat = await fs.stat(lockDir);
    if (Date.now() - stat.mtimeMs > staleMs) return true;
    const owner = Number((await fs.readFile(path.join(lockDir, 'pid'), 'utf8')).trim());
    return Number.isInteger(owner) && owner > 0 && !pidAlive(owner);
  } catch {
    // No pid file yet: the owner is between mkdir and writeFile; give it time.
    return false;
  }
}

export async function withFileLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20 * 60_000;
  const staleMs = opts.staleMs ?? 30 * 60_000;
  const deadline = Date.now() + timeoutMs;
  await fs.mkdir(path.dirname(lockDir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isAbandoned(lockDir, staleMs)) {
      await fs.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for lock ${lockDir}; delete it if no install is running`,
      );
    }
    if (!announced) opts.onWait?.();
    announced = true;
    await sleep(500);
  }
  try {
    await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

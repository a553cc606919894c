import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fresh RSA-2048 pair as PEM (PKCS#8 private, SPKI public), what both channels' keys are. */
export function rsaPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

/**
 * An account's keys in `<dataDir>/sandbox-keys/<account>.json`: read when there, else generated and
 * written, so that the sandbox and the service (separate processes) agree on them across restarts.
 * Written aside, then linked into place: the link fails if another process got there first, and a
 * reader never sees a half-written file; the loser adopts the winner's keys.
 */
export function loadOrCreateKeysFile<T extends object>(
  dataDir: string,
  account: string,
  fields: readonly (keyof T & string)[],
  generate: () => T,
): T {
  const dir = join(dataDir, 'sandbox-keys');
  const file = join(dir, `${account}.json`);
  const existing = readKeysFile(file, fields);
  if (existing) return existing;

  mkdirSync(dir, { recursive: true });
  const keys = generate();
  const temp = join(dir, `.${account}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temp, JSON.stringify(keys, null, 2), { mode: 0o600 });
  try {
    linkSync(temp, file);
    return keys;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = readKeysFile(file, fields);
    if (!winner) throw new Error(`unreadable sandbox keys file ${file}`);
    return winner;
  } finally {
    unlinkSync(temp);
  }
}

function readKeysFile<T extends object>(file: string, fields: readonly (keyof T & string)[]): T | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const field of fields) {
    if (typeof parsed[field] !== 'string') {
      throw new Error(`sandbox keys file ${file} lacks ${field}: delete it to generate new keys`);
    }
  }
  return parsed as T;
}

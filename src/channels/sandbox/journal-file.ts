import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only file of JSON lines, so that a sandbox account's books survive the sandbox's restart as a
 * real channel never forgets. Each line is synced before the call that made it answers (a few ms: fine at
 * a sandbox's rates). Several readers may share one file (the WeChat account's trade book and its refund
 * ledger do), each picking the lines of its own kinds.
 */
export class JournalFile {
  private readonly fd: number;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** Every line as written, oldest first. */
  entries(): unknown[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const entries: unknown[] = [];
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line));
      } catch (err) {
        // Only the very last line can be torn (the process died while writing it): that call never answered.
        if (index >= lines.length - 2) continue;
        throw new Error(`sandbox journal ${this.path} line ${index + 1} is unreadable: ${String(err)}`);
      }
    }
    return entries;
  }

  append(entry: object): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A journal's date, as JSON wrote it (an ISO string), back to a Date. */
export function reviveDate(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { tradeKey, type SandboxTrade, type TradeChange } from './sandbox-trade';

/**
 * The sandbox's books on disk, so that it survives its own restart as a real channel never forgets: an
 * append-only file of JSON lines, one whole trade (with its refunds) after every change, and the
 * payments whose one failing first attempt was spent. Replaying it keeps the last line of each trade.
 * Each line is synced before the call that made it answers (a few ms: fine at a sandbox's rates).
 */
export class TradeJournal {
  private readonly fd: number;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }

  /** What the journal holds: the trades as last written and the spent first attempts. */
  load(): JournalContents {
    const trades = new Map<string, SandboxTrade>();
    const firstAttempts = new Set<string>();
    if (!existsSync(this.file)) return { trades: [], firstAttempts };
    const lines = readFileSync(this.file, 'utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let entry: JournalLine;
      try {
        entry = JSON.parse(line) as JournalLine;
      } catch (err) {
        // Only the very last line can be torn (the process died while writing it): that call never answered.
        if (index >= lines.length - 2) continue;
        throw new Error(`sandbox journal ${this.file} line ${index + 1} is unreadable: ${String(err)}`);
      }
      if ('firstAttempt' in entry) firstAttempts.add(entry.firstAttempt);
      else trades.set(tradeKey(entry.trade.account, entry.trade.outTradeNo), reviveTrade(entry.trade));
    }
    return { trades: [...trades.values()], firstAttempts };
  }

  saveTrade(trade: SandboxTrade): void {
    this.append({ trade });
  }

  saveFirstAttempt(paymentKey: string): void {
    this.append({ firstAttempt: paymentKey });
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(entry: { trade: SandboxTrade } | { firstAttempt: string }): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
  }
}

export interface JournalContents {
  trades: SandboxTrade[];
  firstAttempts: Set<string>;
}

/** A line as read back (written from a SandboxTrade, whose dates JSON turned into strings). */
type JournalLine = { trade: StoredTrade } | { firstAttempt: string };

/** A trade as JSON has it: its dates are ISO strings. */
type StoredTrade = Omit<SandboxTrade, 'createdAt' | 'expireAt' | 'paidAt' | 'closedAt' | 'refunds'> & {
  createdAt: string;
  expireAt: string | null;
  paidAt: string | null;
  closedAt: string | null;
  refunds: { outRequestNo: string | null; amountFen: number; at: string }[];
  pendingNotify?: TradeChange | null;
};

function reviveTrade(stored: StoredTrade): SandboxTrade {
  const date = (value: string | null): Date | null => (value === null ? null : new Date(value));
  return {
    ...stored,
    createdAt: new Date(stored.createdAt),
    expireAt: date(stored.expireAt),
    paidAt: date(stored.paidAt),
    closedAt: date(stored.closedAt),
    refunds: stored.refunds.map((refund) => ({ ...refund, at: new Date(refund.at) })),
    pendingNotify: stored.pendingNotify ?? null,
  };
}

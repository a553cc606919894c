import { JournalFile, reviveDate } from './journal-file';
import { tradeKey, type SandboxTrade, type TradeChange } from './sandbox-trade';

/**
 * A trade book's lines in a journal file (journal-file.ts): one whole trade (with its refunds) after every
 * change, and the payments whose one failing first attempt was spent. Replaying keeps the last line of
 * each trade. Lines of other kinds in the same file (the WeChat ledger's) are left to their own reader.
 */
export class TradeJournal {
  constructor(private readonly file: JournalFile) {}

  /** What the journal holds: the trades as last written and the spent first attempts. */
  load(): JournalContents {
    const trades = new Map<string, SandboxTrade>();
    const firstAttempts = new Set<string>();
    for (const entry of this.file.entries()) {
      const line = entry as JournalLine;
      if (line.firstAttempt !== undefined) firstAttempts.add(line.firstAttempt);
      else if (line.trade)
        trades.set(tradeKey(line.trade.account, line.trade.outTradeNo), reviveTrade(line.trade));
    }
    return { trades: [...trades.values()], firstAttempts };
  }

  saveTrade(trade: SandboxTrade): void {
    this.file.append({ trade });
  }

  saveFirstAttempt(paymentKey: string): void {
    this.file.append({ firstAttempt: paymentKey });
  }
}

export interface JournalContents {
  trades: SandboxTrade[];
  firstAttempts: Set<string>;
}

/** A line as read back (written from a SandboxTrade, whose dates JSON turned into strings), or another kind. */
type JournalLine = { trade?: StoredTrade; firstAttempt?: string };

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
  return {
    ...stored,
    createdAt: new Date(stored.createdAt),
    expireAt: reviveDate(stored.expireAt),
    paidAt: reviveDate(stored.paidAt),
    closedAt: reviveDate(stored.closedAt),
    refunds: stored.refunds.map((refund) => ({ ...refund, at: new Date(refund.at) })),
    pendingNotify: stored.pendingNotify ?? null,
  };
}

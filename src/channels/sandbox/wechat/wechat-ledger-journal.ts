import { reviveDate, type JournalFile } from '../journal-file';
import type { WechatRefund, WechatRefundStatus } from './wechat-ledger';

/**
 * The WeChat ledger's lines in the account's journal file, beside its trade book's (trade-journal.ts): a
 * whole refund after every change of it (the last line of a refund wins), its trade named by out_trade_no
 * (the key of the WeChat book's only account), and each trade's raw buyer token.
 */
export class WechatLedgerJournal {
  constructor(private readonly file: JournalFile) {}

  load(): { refunds: StoredRefund[]; tokens: Map<string, string | null> } {
    const refunds = new Map<string, StoredRefund>();
    const tokens = new Map<string, string | null>();
    for (const entry of this.file.entries()) {
      const line = entry as LedgerLine;
      if (line.wechatRefund) {
        const stored = line.wechatRefund;
        refunds.set(stored.outRefundNo, {
          ...stored,
          createdAt: new Date(stored.createdAt),
          successAt: reviveDate(stored.successAt),
        });
      } else if (line.wechatToken) tokens.set(line.wechatToken.outTradeNo, line.wechatToken.token);
    }
    return { refunds: [...refunds.values()], tokens };
  }

  saveRefund(refund: WechatRefund): void {
    const { trade, ...rest } = refund;
    this.file.append({ wechatRefund: { ...rest, outTradeNo: trade.outTradeNo } });
  }

  saveToken(outTradeNo: string, token: string | null): void {
    this.file.append({ wechatToken: { outTradeNo, token } });
  }
}

/** A refund as the journal keeps it: its trade by out_trade_no instead of the trade itself. */
export type StoredRefund = Omit<WechatRefund, 'trade'> & { outTradeNo: string };

/** A line as read back (its dates are ISO strings), or a line of the trade book's kinds. */
interface LedgerLine {
  wechatRefund?: Omit<StoredRefund, 'createdAt' | 'successAt'> & {
    status: WechatRefundStatus;
    createdAt: string;
    successAt: string | null;
  };
  wechatToken?: { outTradeNo: string; token: string | null };
}

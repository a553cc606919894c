import { beijingDay } from '../beijing-time';
import type { SandboxTrade } from './sandbox-trade';

/** One line of the business detail: a payment on its payment day, or a refund on its refund day. */
export interface BillEntry {
  type: '交易' | '退款';
  tradeNo: string;
  outTradeNo: string;
  subject: string;
  createdAt: Date;
  finishedAt: Date;
  /** The trade's total, in fen. */
  orderFen: number;
  /** What the merchant received: the total for a payment, minus the amount for a refund. */
  receivedFen: number;
  /** The refund's out_request_no; null for a payment (and for a cancel's refund). */
  refundRequestNo: string | null;
}

/**
 * The day's entries from the trade book, in the order the money moved. Late payments (paid after a
 * close) and orphan trades are there like any other: the bill shows what the channel really did.
 */
export function billEntries(trades: SandboxTrade[], day: string): BillEntry[] {
  const entries: BillEntry[] = [];
  for (const trade of trades) {
    const common = {
      tradeNo: trade.tradeNo,
      outTradeNo: trade.outTradeNo,
      subject: trade.subject,
      createdAt: trade.createdAt,
      orderFen: trade.totalFen,
    };
    if (trade.paidAt && beijingDay(trade.paidAt) === day) {
      entries.push({
        ...common,
        type: '交易',
        finishedAt: trade.paidAt,
        receivedFen: trade.totalFen,
        refundRequestNo: null,
      });
    }
    for (const refund of trade.refunds) {
      if (beijingDay(refund.at) !== day) continue;
      entries.push({
        ...common,
        type: '退款',
        finishedAt: refund.at,
        receivedFen: -refund.amountFen,
        refundRequestNo: refund.outRequestNo,
      });
    }
  }
  return entries.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
}

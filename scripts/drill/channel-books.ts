import { readAlipayBillZip } from '../../src/channels/alipay/alipay-bill-zip';
import { beijingDay } from '../../src/channels/beijing-time';
import { SANDBOX_ACCOUNT_NAMES } from '../../src/channels/sandbox/sandbox-keys';

/** What the channel really did with one trade (`<paymentId>-<attemptNo>`), from its bills. */
export interface ChannelTrade {
  account: string;
  paid: number;
  refunded: number;
  payments: number;
}

/** The Beijing days the drill's money could have moved on (from its start to now, a day either side). */
export function billDays(startedAt: number, endedAt: number): string[] {
  const days = new Set<string>();
  for (let at = startedAt - 60_000; at <= endedAt + 60_000; at += 3_600_000)
    days.add(beijingDay(new Date(at)));
  days.add(beijingDay(new Date(endedAt)));
  return [...days].sort();
}

/**
 * The sandbox's books: every account's bill of every day, read with the adapter's own bill reader
 * (the judge sees what reconciliation sees), summed per trade.
 */
export async function readChannelBooks(
  sandboxUrl: string,
  days: string[],
): Promise<Map<string, ChannelTrade>> {
  const trades = new Map<string, ChannelTrade>();
  for (const account of SANDBOX_ACCOUNT_NAMES) {
    for (const day of days) {
      const response = await fetch(`${sandboxUrl}/sim/bills/${account}/${day}`);
      if (!response.ok) throw new Error(`bill ${account} ${day}: HTTP ${response.status}`);
      const zip = Buffer.from(await response.arrayBuffer());
      for await (const row of readAlipayBillZip(zip)) {
        const trade = trades.get(row.outTradeNo) ?? { account, paid: 0, refunded: 0, payments: 0 };
        if (row.kind === 'PAYMENT') {
          trade.paid += row.amount;
          trade.payments += 1;
        } else trade.refunded += row.amount;
        trades.set(row.outTradeNo, trade);
      }
    }
  }
  return trades;
}

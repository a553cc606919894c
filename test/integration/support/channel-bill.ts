import type { BillRow, ChannelPort } from '../../../src/channels/channel-port';

/** The channel's own bill for a day, read whole: what the channel says moved (the judge of every money test). */
export async function channelBill(channel: ChannelPort, billDate: string): Promise<BillRow[]> {
  const rows: BillRow[] = [];
  for await (const row of channel.billRows(billDate)) rows.push(row);
  return rows;
}

import type { BillSide, Candidate } from './difference';

/**
 * The bill rows of trades our cancel reversed after the buyer had paid: the trade's payment row (its
 * attempt REVERSED here) and the cancel's own refund of it in full (a refund number that is none of our
 * refunds: Alipay's cancel has none, WeChat's is `<outTradeNo>-cancel`). Together they net to nothing kept,
 * which is what REVERSED says, so neither is a difference. A REVERSED attempt's payment without that refund
 * on the same bill stays a difference (the money may be kept, or the refund booked another day).
 */
export function reversedTradeRows(candidates: readonly Candidate[]): Set<Candidate> {
  const refundsByTrade = new Map<string, Array<Candidate & { side: 'CHANNEL_REFUND' }>>();
  for (const c of candidates) {
    if (c.side !== 'CHANNEL_REFUND' || c.local || c.ourOrphanRefund) continue;
    const list = refundsByTrade.get(tradeKey(c.bill)) ?? [];
    list.push(c);
    refundsByTrade.set(tradeKey(c.bill), list);
  }
  const paired = new Set<Candidate>();
  for (const c of candidates) {
    if (c.side !== 'CHANNEL_PAYMENT' || c.local?.attemptStatus !== 'REVERSED') continue;
    const refunds = refundsByTrade.get(tradeKey(c.bill)) ?? [];
    const refunded = refunds.reduce((sum, r) => sum + r.bill.amount, 0);
    if (refunds.length === 0 || refunded !== c.bill.amount) continue;
    paired.add(c);
    for (const r of refunds) paired.add(r);
  }
  return paired;
}

/** A trade by our out trade number: one per attempt on a channel account. */
const tradeKey = (bill: BillSide): string => bill.outTradeNo;

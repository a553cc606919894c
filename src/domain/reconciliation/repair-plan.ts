import type { Candidate, DifferenceType, OrphanPolicy, RepairAction } from './difference';

/**
 * What reconciliation does about a difference. Money the channel took for an attempt of ours goes to the
 * payment's own workflow as a verified notice (it applies a success, or records late/duplicate money and
 * refunds it); an orphan is refunded only by configuration; anything else waits for an operator.
 */
export function repairFor(type: DifferenceType, c: Candidate, orphanPolicy: OrphanPolicy): RepairAction {
  if (c.side !== 'CHANNEL_PAYMENT') return 'NONE';
  if (type === 'DUPLICATE_PAYMENT') return 'DELIVER_NOTICE';
  if (type !== 'CHANNEL_ONLY') return 'NONE';
  // Money for an attempt our cancel reversed (its refund not on this bill): a notice cannot settle it (the
  // payment takes a reversed attempt's money as returned), so an operator looks, at once.
  if (c.local?.attemptStatus === 'REVERSED') return 'NONE';
  if (c.local) return 'DELIVER_NOTICE';
  return orphanPolicy === 'REFUND' ? 'REFUND_ORPHAN' : 'NONE';
}

/**
 * What a difference is about, whichever run finds it: the same finding in a rerun has the same key. The
 * repair key names the money (a channel trade), so two runs, or two types, never repair one trade twice.
 */
export function differenceKeys(
  channel: string,
  type: DifferenceType,
  c: Candidate,
): { differenceKey: string; repairKey: string | null } {
  let subject: string;
  switch (c.side) {
    case 'CHANNEL_PAYMENT':
      subject = `pay:${channel}:${c.bill.channelTradeNo}`;
      break;
    case 'CHANNEL_REFUND':
      subject = `refund:${channel}:${c.bill.outRefundNo ?? `${c.bill.channelTradeNo}:${c.bill.amount}`}`;
      break;
    case 'LOCAL_PAYMENT':
      subject = `attempt:${c.channelOutTradeNo}`;
      break;
    case 'LOCAL_REFUND':
      subject = `refund:${channel}:${c.outRequestNo}`;
      break;
  }
  return { differenceKey: `${type}:${subject}`, repairKey: c.side === 'CHANNEL_PAYMENT' ? subject : null };
}

/** The channel refund number of an orphan's refund: derived from the trade, so every retry is the same. */
export function orphanRefundRequestNo(channelTradeNo: string): string {
  return `recon-orphan-${channelTradeNo}`;
}

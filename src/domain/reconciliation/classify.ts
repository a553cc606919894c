import type { BillSide, Candidate, DifferenceType, LocalAttempt, LocalRefund } from './difference';

/**
 * The matching rules of reconciliation. The SQL (src/db/reconciliation) counts the plain matches itself
 * (isPlainPaymentMatch / isPlainRefundMatch, the same predicates written in SQL) and hands every other
 * pair here.
 */

export type Verdict =
  | { outcome: 'MATCHED' }
  /** A record row of the day within the midnight window that this day's bill lacks: ask the adjacent day's. */
  | { outcome: 'CHECK_ADJACENT_DAY'; day: 'PREVIOUS' | 'NEXT' }
  | { outcome: 'DIFFERENCE'; type: DifferenceType; detail: string };

export interface DayWindow {
  /** [start, end) of the bill's day. */
  start: Date;
  end: Date;
  /** Record rows this close to midnight may be booked by the channel on the adjacent day. */
  midnightWindowMs: number;
}

/** A bill payment row whose attempt we hold as the payment's success, or as late money we know of. */
export function isPlainPaymentMatch(bill: BillSide, local: LocalAttempt | null): boolean {
  if (!local || bill.amount !== local.amount) return false;
  return local.attemptStatus === 'SUCCEEDED' || local.lateRecorded;
}

/** A bill refund row for a refund we hold as SUCCEEDED with the same amount. */
export function isPlainRefundMatch(bill: BillSide, local: LocalRefund | null): boolean {
  return !!local && local.status === 'SUCCEEDED' && local.amount === bill.amount;
}

export function classify(c: Candidate, day: DayWindow, inAdjacentBill?: boolean): Verdict {
  switch (c.side) {
    case 'CHANNEL_PAYMENT':
      return channelPayment(c.bill, c.local);
    case 'CHANNEL_REFUND':
      return channelRefund(c.bill, c.local, c.ourOrphanRefund);
    case 'LOCAL_PAYMENT':
    case 'LOCAL_REFUND':
      return localOnly(c.at, day, inAdjacentBill);
  }
}

const diff = (type: DifferenceType, detail: string): Verdict => ({ outcome: 'DIFFERENCE', type, detail });

function channelPayment(bill: BillSide, local: LocalAttempt | null): Verdict {
  if (isPlainPaymentMatch(bill, local)) return { outcome: 'MATCHED' };
  if (!local) return diff('CHANNEL_ONLY', 'a paid trade no attempt of ours asked for (orphan)');
  if (bill.amount !== local.amount) {
    return diff('AMOUNT_MISMATCH', `the channel took ${bill.amount}, the payment is ${local.amount}`);
  }
  if (local.paymentStatus === 'SUCCEEDED') {
    // Another attempt is the payment's success, and nobody recorded this money: paid twice.
    return diff('DUPLICATE_PAYMENT', `attempt ${local.attemptNo} paid besides the payment's success`);
  }
  return diff(
    'CHANNEL_ONLY',
    `attempt ${local.attemptNo} is paid at the channel, ${local.attemptStatus} here`,
  );
}

function channelRefund(bill: BillSide, local: LocalRefund | null, ourOrphanRefund: boolean): Verdict {
  if (isPlainRefundMatch(bill, local)) return { outcome: 'MATCHED' };
  if (!local) {
    if (ourOrphanRefund) return { outcome: 'MATCHED' };
    return diff('CHANNEL_ONLY', 'a refund at the channel that we hold no record of');
  }
  if (local.amount !== bill.amount) {
    return diff('AMOUNT_MISMATCH', `the channel refunded ${bill.amount}, the refund is ${local.amount}`);
  }
  return diff('STATUS_MISMATCH', `refunded at the channel, ${local.status} here`);
}

/**
 * A success or refund we hold for the day that the bill lacks. Within the midnight window the channel may
 * have booked it on the adjacent day: only when that day's bill lacks it too (or cannot be had) is it a
 * difference. LOCAL_ONLY is serious (money we think we hold and do not), so an unreadable adjacent bill
 * reports it rather than hiding it.
 */
function localOnly(at: Date, day: DayWindow, inAdjacentBill: boolean | undefined): Verdict {
  const t = at.getTime();
  const nearStart = t - day.start.getTime() < day.midnightWindowMs;
  const nearEnd = day.end.getTime() - t <= day.midnightWindowMs;
  if ((nearStart || nearEnd) && inAdjacentBill === undefined) {
    return { outcome: 'CHECK_ADJACENT_DAY', day: nearStart ? 'PREVIOUS' : 'NEXT' };
  }
  if ((nearStart || nearEnd) && inAdjacentBill) return { outcome: 'MATCHED' };
  return diff('LOCAL_ONLY', 'we hold it; the channel does not');
}

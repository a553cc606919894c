import { differenceKeys, repairFor, type Candidate, type OrphanPolicy } from '../../domain/reconciliation';
import type { PendingPair } from './match-day';
import type { NewDifference } from './run-repository';

/** How a record row the day's bill lacks is looked for in an adjacent day's bill rows. */
export const adjacentKey = (c: Candidate): string =>
  c.side === 'LOCAL_PAYMENT'
    ? `P:${c.channelOutTradeNo}`
    : c.side === 'LOCAL_REFUND'
      ? `R:${c.outRequestNo}`
      : '';

export const billRowKey = (row: { kind: string; outTradeNo: string; outRefundNo: string | null }): string =>
  row.kind === 'PAYMENT' ? `P:${row.outTradeNo}` : `R:${row.outRefundNo ?? ''}`;

/** A classified pair as the row of reconciliation_differences it becomes, with its keys and repair. */
export function toDifference(
  channel: string,
  p: PendingPair,
  type: NewDifference['type'],
  detail: string,
  orphanPolicy: OrphanPolicy,
): NewDifference {
  const c = p.candidate;
  const bill = c.side === 'CHANNEL_PAYMENT' || c.side === 'CHANNEL_REFUND' ? c.bill : null;
  const local = c.local;
  return {
    ...differenceKeys(channel, type, c),
    type,
    paymentId: local?.paymentId ?? null,
    refundId: local && 'refundId' in local ? local.refundId : null,
    channelTradeNo: bill?.channelTradeNo ?? null,
    channelOutTradeNo: bill?.outTradeNo ?? (c.side === 'LOCAL_PAYMENT' ? c.channelOutTradeNo : null),
    outRefundNo: bill?.outRefundNo ?? (c.side === 'LOCAL_REFUND' ? c.outRequestNo : null),
    localAmount: local?.amount ?? null,
    channelAmount: bill?.amount ?? null,
    currency: p.currency ?? null,
    channelFinishedAt: p.finishedAt,
    repairAction: repairFor(type, c, orphanPolicy),
    detail,
  };
}

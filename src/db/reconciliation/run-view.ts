import type { DifferenceRecord, RunRecord } from './run-repository';

/** A difference as operators see it (contract section 8), plus what locates it. */
export function differenceView(d: DifferenceRecord) {
  return {
    type: d.type,
    paymentId: d.paymentId,
    refundId: d.refundId,
    channelTradeNo: d.channelTradeNo,
    channelOutTradeNo: d.channelOutTradeNo,
    outRefundNo: d.outRefundNo,
    localAmount: d.localAmount,
    channelAmount: d.channelAmount,
    resolution: d.resolution,
    detail: d.detail,
  };
}
export type DifferenceView = ReturnType<typeof differenceView>;

/** A run as POST/GET /v1/ops/reconciliations answer it; the summary counts stay 0 until the bill is matched. */
export function runView(run: RunRecord, differences: DifferenceRecord[]) {
  return {
    id: run.id,
    channel: run.channel,
    billDate: run.billDate,
    status: run.status,
    progress: { rowsRead: run.rowsRead },
    summary: run.summary ?? { channelRows: 0, localRows: 0, matched: 0, differences: 0 },
    differences: differences.map(differenceView),
    reason: run.reason,
    rerunOf: run.rerunOf,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
export type RunView = ReturnType<typeof runView>;

export const DIFFERENCE_CSV_COLUMNS: Array<keyof DifferenceView> = [
  'type',
  'paymentId',
  'refundId',
  'channelTradeNo',
  'channelOutTradeNo',
  'outRefundNo',
  'localAmount',
  'channelAmount',
  'resolution',
  'detail',
];

import type { Pool } from 'pg';
import type { Candidate, LocalRefund } from '../../domain/reconciliation';
import { stagingTable } from './staging';
import { BILL_REFUNDS_SQL, LOCAL_REFUNDS_SQL, PAYMENTS_SQL } from './match-sql';

const MATCH_WORK_MEM = '128MB';

export interface PendingPair {
  candidate: Candidate;
  /** The bill row's time (when the channel moved the money); null for a record row. */
  finishedAt: Date | null;
  currency?: string;
}

export interface DayMatch {
  channelRows: number;
  localRows: number;
  /** Bill rows the SQL matched plainly; classify() may match more of the pending ones. */
  matched: number;
  pending: PendingPair[];
}

interface Agg<T> {
  rows: number;
  matched?: number;
  pending: T[];
}

type BillPaymentJson = {
  channelTradeNo: string;
  outTradeNo: string;
  amount: number;
  currency: string;
  finishedAt: string;
  paymentId: string | null;
  attemptNo: number | null;
  attemptStatus: string | null;
  paymentStatus: string | null;
  localAmount: number | null;
  lateRecorded: boolean;
};
type BillRefundJson = {
  channelTradeNo: string;
  outTradeNo: string;
  outRefundNo: string | null;
  amount: number;
  currency: string;
  finishedAt: string;
  refundId: string | null;
  paymentId: string | null;
  refundStatus: LocalRefund['status'] | null;
  localAmount: number | null;
  ourOrphanRefund: boolean;
};
type LocalPaymentJson = {
  paymentId: string;
  attemptNo: number;
  channelOutTradeNo: string;
  paymentStatus: string;
  attemptStatus: string;
  amount: number;
  at: string;
};
type LocalRefundJson = LocalRefund & { outRequestNo: string; at: string };

/**
 * The payments statement, with the memory its hash tables need for a big day (a million rows hash into
 * about 300 MB; with the default 4 MB they spill to disk in batches): for this transaction only.
 */
async function paymentsBothWays(
  pool: Pool,
  stage: string,
  params: unknown[],
): Promise<Agg<BillPaymentJson> & { local_rows: number; local_pending: LocalPaymentJson[] }> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SET LOCAL work_mem = '${MATCH_WORK_MEM}'`);
    const r = await client.query<
      Agg<BillPaymentJson> & { local_rows: number; local_pending: LocalPaymentJson[] }
    >(PAYMENTS_SQL.replaceAll('%STAGE%', stage), params);
    await client.query('COMMIT');
    return r.rows[0]!;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Runs the three matching statements of match-sql.ts for the run's staging table. */
export async function matchDay(
  pool: Pool,
  runId: string,
  channel: string,
  day: { start: Date; end: Date },
): Promise<DayMatch> {
  const stage = stagingTable(runId);
  const run = async <T>(sql: string, params: unknown[]): Promise<Agg<T>> =>
    (await pool.query<Agg<T>>(sql.replaceAll('%STAGE%', stage), params)).rows[0]!;
  const [both, refunds, localRefunds] = await Promise.all([
    paymentsBothWays(pool, stage, [channel, day.start, day.end]),
    run<BillRefundJson>(BILL_REFUNDS_SQL, [channel]),
    run<LocalRefundJson>(LOCAL_REFUNDS_SQL, [channel, day.start, day.end]),
  ]);
  const payments = { rows: both.rows, matched: both.matched, pending: both.pending };
  const localPayments = { rows: both.local_rows, pending: both.local_pending };
  const pending: PendingPair[] = [
    ...payments.pending.map((p) => ({
      finishedAt: new Date(p.finishedAt),
      currency: p.currency,
      candidate: {
        side: 'CHANNEL_PAYMENT' as const,
        bill: {
          kind: 'PAYMENT' as const,
          channelTradeNo: p.channelTradeNo,
          outTradeNo: p.outTradeNo,
          outRefundNo: null,
          amount: p.amount,
        },
        local:
          p.paymentId === null
            ? null
            : {
                paymentId: p.paymentId,
                attemptNo: p.attemptNo!,
                paymentStatus: p.paymentStatus!,
                attemptStatus: p.attemptStatus!,
                amount: p.localAmount!,
                lateRecorded: p.lateRecorded,
              },
      },
    })),
    ...refunds.pending.map((r) => ({
      finishedAt: new Date(r.finishedAt),
      currency: r.currency,
      candidate: {
        side: 'CHANNEL_REFUND' as const,
        bill: {
          kind: 'REFUND' as const,
          channelTradeNo: r.channelTradeNo,
          outTradeNo: r.outTradeNo,
          outRefundNo: r.outRefundNo,
          amount: r.amount,
        },
        local:
          r.refundId === null
            ? null
            : {
                refundId: r.refundId,
                paymentId: r.paymentId!,
                status: r.refundStatus!,
                amount: r.localAmount!,
              },
        ourOrphanRefund: r.ourOrphanRefund,
      },
    })),
    ...localPayments.pending.map((l) => ({
      finishedAt: null,
      candidate: {
        side: 'LOCAL_PAYMENT' as const,
        channelOutTradeNo: l.channelOutTradeNo,
        at: new Date(l.at),
        local: { ...l, lateRecorded: false },
      },
    })),
    ...localRefunds.pending.map((l) => ({
      finishedAt: null,
      candidate: {
        side: 'LOCAL_REFUND' as const,
        outRequestNo: l.outRequestNo,
        at: new Date(l.at),
        local: { refundId: l.refundId, paymentId: l.paymentId, status: l.status, amount: l.amount },
      },
    })),
  ];
  return {
    channelRows: payments.rows + refunds.rows,
    localRows: localPayments.rows + localRefunds.rows,
    matched: (payments.matched ?? 0) + (refunds.matched ?? 0),
    pending,
  };
}

import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { ChannelRegistry } from '../channels/channel-registry';
import { DomainError } from '../domain/domain-errors';
import { autoRefundWorkflowId, refundIdFromUuid } from '../domain/refund';
import { StaleStatusError } from '../domain/status-change';
import type {
  NewAutomaticRefund,
  RefundCompletion,
  RefundRecord,
  RefundRepository,
} from '../db/refund-repository';
import { isoOrNull } from './channel-outcomes';

/** Channel answers to a refund call, as plain JSON for workflow code (dates as RFC 3339 strings). */
export type RefundCallOutcome =
  | { outcome: 'SUCCEEDED'; refundedAt: string | null }
  | { outcome: 'PROCESSING' }
  | { outcome: 'FAILED'; code: string; message: string; retryable: boolean }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export type RefundQueryOutcome =
  | { status: 'SUCCEEDED'; amount: number; refundedAt: string | null }
  | { status: 'PROCESSING' }
  | { status: 'NOT_FOUND' }
  | { status: 'UNKNOWN'; code: string; message: string };

export interface ChannelRefundInput {
  channel: string;
  /** The refunded attempt's trade number at the channel. */
  outTradeNo: string;
  /** The refund's own request number: the same one for every call of this refund. */
  outRequestNo: string;
  amount: number;
  currency: string;
  reason?: string;
}

/** What the payment workflow passes to record the automatic refund of late or duplicate money. */
export type RecordLateRefundInput = Omit<NewAutomaticRefund, 'refundId' | 'at'>;

export interface RecordLateRefundResult {
  refundId: string;
  /** `refund-<paymentId>-auto-<attemptNo>`: start the refund workflow (as a child) with this id and `{ refundId }`. */
  workflowId: string;
  /** True for the call that recorded it; a repeated call answers the same refund with false. */
  created: boolean;
}

export interface RefundActivityPorts {
  refunds: RefundRepository;
  channels: ChannelRegistry;
}

/** Activities of the refund workflow. Every one is safe to run twice: inserts are once-only, writes CAS. */
export function createRefundActivities({ refunds, channels }: RefundActivityPorts) {
  return {
    async loadRefund(input: { refundId: string }): Promise<RefundRecord> {
      const r = await refunds.findById(input.refundId);
      // The row is committed before its workflow starts: missing means a wrong id, which no retry heals.
      if (!r) throw ApplicationFailure.nonRetryable(`refund ${input.refundId} not found`, 'NOT_FOUND');
      return r;
    },

    async completeRefund(change: RefundCompletion): Promise<RefundRecord> {
      try {
        return await refunds.completeRefund(change);
      } catch (err) {
        if (err instanceof StaleStatusError)
          throw ApplicationFailure.nonRetryable(err.message, 'STALE_STATUS');
        if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    },

    /** The payment's refundedAmount now, for the signal that keeps its workflow's view current. */
    async paymentRefundedAmount(input: { paymentId: string }): Promise<number> {
      return refunds.refundedAmount(input.paymentId);
    },

    /** Records the automatic refund of late or duplicate money (idempotent per payment and attempt). */
    async recordLateRefund(input: RecordLateRefundInput): Promise<RecordLateRefundResult> {
      try {
        const { refund, created } = await refunds.recordAutomaticRefund({
          ...input,
          refundId: refundIdFromUuid(randomUUID()),
          at: new Date().toISOString(),
        });
        return {
          refundId: refund.view.id,
          workflowId: autoRefundWorkflowId(input.paymentId, input.attemptNo),
          created,
        };
      } catch (err) {
        if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    },

    /** alipay.trade.refund (or the channel's equivalent), re-entrant by outRequestNo. */
    async channelRefund(input: ChannelRefundInput): Promise<RefundCallOutcome> {
      const r = await channels.get(input.channel).refund(input);
      return r.outcome === 'SUCCEEDED' ? { outcome: 'SUCCEEDED', refundedAt: isoOrNull(r.refundedAt) } : r;
    },

    async channelRefundQuery(input: {
      channel: string;
      outTradeNo: string;
      outRequestNo: string;
    }): Promise<RefundQueryOutcome> {
      const r = await channels.get(input.channel).refundQuery(input.outTradeNo, input.outRequestNo);
      return r.status === 'SUCCEEDED' ? { ...r, refundedAt: isoOrNull(r.refundedAt) } : r;
    },
  };
}

export type RefundActivities = ReturnType<typeof createRefundActivities>;

import { ApplicationFailure } from '@temporalio/common';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { CreatePaymentInput, PaymentView } from '../domain/payment';
import type { PaymentStatus } from '../domain/payment-status';
import type { LatePayment, LatePaymentRepository } from '../db/late-payment-repository';
import type { MerchantRepository } from '../db/merchant-repository';
import type { PaymentRepository } from '../db/payment-repository';
import { StaleStatusError, type StatusChange } from '../domain/status-change';
import { sameCreateRequest } from '../domain/create-request';
import { refuseForGood } from './database-refusals';
import {
  isoOrNull,
  type CancelOutcome,
  type ChannelPayInput,
  type CloseOutcome,
  type PayOutcome,
  type QueryOutcome,
} from './channel-outcomes';

export interface PaymentActivityPorts {
  payments: PaymentRepository;
  merchants: MerchantRepository;
  latePayments: LatePaymentRepository;
  channels: ChannelRegistry;
}

export interface RecordPaymentInput {
  create: CreatePaymentInput;
  paymentId: string;
  workflowId: string;
  at: string;
}

export interface RecordPaymentResult {
  payment: PaymentView;
  inserted: boolean;
  /** The merchant's ordered channel accounts. */
  channels: string[];
}

export interface PaymentRecord {
  payment: PaymentView;
  /** Attempt numbers with a late_payments row (recorded, refund under way or done). */
  lateAttempts: number[];
}

/** Activities of the payment workflow. Every one is safe to run twice: writes are insert-or-nothing or CAS. */
export function createPaymentActivities({
  payments,
  merchants,
  latePayments,
  channels,
}: PaymentActivityPorts) {
  return {
    async recordPayment(input: RecordPaymentInput): Promise<RecordPaymentResult> {
      const merchant = await merchants.findMerchant(input.create.merchantId);
      if (!merchant) {
        throw ApplicationFailure.nonRetryable(`merchant ${input.create.merchantId} not found`, 'NOT_FOUND');
      }
      const status: PaymentStatus = 'CREATED';
      const { payment, inserted } = await payments
        .insertPayment({
          ...input.create,
          id: input.paymentId,
          workflowId: input.workflowId,
          status,
          expiresAt: input.create.orderDeadline,
          at: input.at,
        })
        // A value the database refuses is the request's fault: the create answers 400.
        .catch((err: unknown) => refuseForGood(err, 'VALIDATION_ERROR'));
      // A row that was already there (a replay whose workflow is gone) must be the same order.
      if (!inserted && !sameCreateRequest(input.create, payment)) {
        throw ApplicationFailure.nonRetryable(
          'this outTradeNo was already used with a different amount, currency or orderDeadline',
          'IDEMPOTENCY_MISMATCH',
        );
      }
      return { payment, inserted, channels: merchant.channels };
    },

    /** The payment as recorded and the attempts already recorded as late money (the late-money workflow). */
    async loadPaymentRecord(input: { paymentId: string }): Promise<PaymentRecord> {
      const payment = await payments.findById(input.paymentId);
      if (!payment)
        throw ApplicationFailure.nonRetryable(`payment ${input.paymentId} not found`, 'NOT_FOUND');
      const late = await latePayments.forPayment(input.paymentId);
      return { payment, lateAttempts: late.map((l) => l.attemptNo) };
    },

    async applyStatusChange(change: StatusChange): Promise<PaymentView> {
      try {
        return await payments.applyStatusChange(change);
      } catch (err) {
        // Retrying cannot help: the row moved under us, which only a second writer could do.
        if (err instanceof StaleStatusError)
          throw ApplicationFailure.nonRetryable(err.message, 'STALE_STATUS');
        throw err;
      }
    },

    async recordLatePayment(late: LatePayment): Promise<void> {
      await latePayments.record(late);
    },

    async channelPay(input: ChannelPayInput): Promise<PayOutcome> {
      const r = await channels.get(input.channel).pay({ ...input, expiresAt: new Date(input.expiresAt) });
      return r.outcome === 'PAID' ? { ...r, paidAt: isoOrNull(r.paidAt) } : r;
    },

    async channelQuery(input: { channel: string; outTradeNo: string }): Promise<QueryOutcome> {
      const r = await channels.get(input.channel).query(input.outTradeNo);
      return r.status === 'PAID' ? { ...r, paidAt: isoOrNull(r.paidAt) } : r;
    },

    async channelClose(input: { channel: string; outTradeNo: string }): Promise<CloseOutcome> {
      const r = await channels.get(input.channel).close(input.outTradeNo);
      return r.outcome === 'ALREADY_PAID' ? { ...r, paidAt: isoOrNull(r.paidAt) } : r;
    },

    async channelCancel(input: { channel: string; outTradeNo: string }): Promise<CancelOutcome> {
      return channels.get(input.channel).cancel(input.outTradeNo);
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;

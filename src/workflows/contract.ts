/**
 * The payment workflow's contract: names and payloads of its updates, signals and queries, shared by the
 * workflow and every caller (typed client, API, tests). Nothing here does I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CreatePaymentInput, PaymentMethod, PaymentView } from '../domain/payment';
import type { PaymentResume } from './payment/resume';

export const PAYMENT_TASK_QUEUE = 'payments';

export const PaymentStatusKey = defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD);
export const MerchantIdKey = defineSearchAttributeKey('MerchantId', SearchAttributeType.KEYWORD);
export const OutTradeNoKey = defineSearchAttributeKey('OutTradeNo', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);
/** On refund workflows: PROCESSING, SUCCEEDED or FAILED — `RefundStatus = "FAILED"` finds every payment with a failed refund. */
export const RefundStatusKey = defineSearchAttributeKey('RefundStatus', SearchAttributeType.KEYWORD);
/** On merchant notification workflows: PENDING, DELIVERED or DEAD. */
export const NotificationStatusKey = defineSearchAttributeKey(
  'NotificationStatus',
  SearchAttributeType.KEYWORD,
);

/** Timings a deployment (or a test) may tune; defaults in payment/options.ts. */
export interface PaymentWorkflowOptions {
  /** How long the workflow stays open after a final status to catch late notifies (≥ channel notify schedule). */
  graceMs?: number;
  pollInitialMs?: number;
  /** Also the cap of the wait between tries of a close the channel has not confirmed. */
  pollMaxMs?: number;
  /**
   * Continue-as-new once a run's history has this many events (or when the server suggests it, whichever
   * comes first), so the history stays bounded however long the payment waits.
   */
  maxHistoryEvents?: number;
}

export interface PaymentWorkflowInput {
  request: CreatePaymentInput;
  options?: PaymentWorkflowOptions;
  /** Set only by the workflow itself when it continues as new: the whole state of the previous run. */
  resume?: PaymentResume;
}

export interface CreatePaymentResult {
  payment: PaymentView;
  /** True for the one request that created the payment (201); replays get false (200). */
  created: boolean;
}

export interface PayAgainInput {
  method?: PaymentMethod;
  channel?: string;
}

/** What the notify endpoint signals after it verified and recorded a channel notification. */
export interface ChannelNotice {
  channel: string;
  channelOutTradeNo: string;
  channelTradeNo: string;
  status: 'WAIT_BUYER_PAY' | 'PAID' | 'CLOSED';
  amount: number;
  paidAt: string | null;
  notifyId: string;
}

export const createPaymentUpdate = defineUpdate<CreatePaymentResult, [CreatePaymentInput]>('createPayment');
export const payAgainUpdate = defineUpdate<PaymentView, [PayAgainInput]>('payAgain');
export const closePaymentUpdate = defineUpdate<PaymentView, []>('closePayment');
/** Operator entries (contract section 6): ask the channel now and apply the answer; cancel (admin). */
export const operatorQueryUpdate = defineUpdate<PaymentView, []>('operatorQuery');
export const operatorCancelUpdate = defineUpdate<PaymentView, []>('operatorCancel');
export const channelNotifySignal = defineSignal<[ChannelNotice]>('channelNotify');
/**
 * The failure type an Update that needs the channel (operator query) is refused with once the payment
 * workflow's grace window has ended and it is completing: treat it as a finished workflow (ask the
 * late-money workflow, answer from the record).
 */
export const PAYMENT_WORKFLOW_ENDING = 'PAYMENT_WORKFLOW_ENDING';
export const getPaymentQuery = defineQuery<PaymentView | null>('getPayment');

/**
 * Late money after the payment workflow has finished (contract section 2, "A payment's whole life"): one
 * short workflow per payment, `late-<paymentId>`, started with signal-with-start (a channel notify) or
 * update-with-start (an operator query, a reconciliation repair). It re-reads the record, asks the channel
 * where needed, records and refunds any success it finds for a closed payment or a superseded attempt, and
 * ends. Conflict policy USE_EXISTING, reuse policy ALLOW_DUPLICATE: it may run again any number of times.
 */
export const LATE_MONEY_WORKFLOW_TYPE = 'lateMoneyWorkflow';
export const lateMoneyWorkflowId = (paymentId: string): string => `late-${paymentId}`;
export interface LateMoneyWorkflowInput {
  paymentId: string;
}
/** Update on the late-money workflow: ask the channel about every attempt of the payment now; answers the payment as recorded after. */
export const lateOperatorQueryUpdate = defineUpdate<PaymentView, []>('lateOperatorQuery');
/** Signal on a running payment workflow: a refund of this payment settled, so its view's refundedAmount is current. */
export const refundSettledSignal = defineSignal<[{ refundedAmount: number }]>('refundSettled');

import type { AttemptView, NextActionView, PaymentView } from '../domain/payment';
import type { AttemptStatus, CloseReason, PaymentStatus } from '../domain/payment-status';

export interface PaymentRow {
  id: string;
  merchant_id: string;
  out_trade_no: string;
  amount: number;
  currency: string;
  subject: string;
  status: PaymentStatus;
  close_reason: CloseReason | null;
  order_deadline: Date;
  order_created_at: Date | null;
  expires_at: Date;
  method: unknown;
  channel: string | null;
  transaction_type: string;
  source: string;
  notify_url: string | null;
  metadata: Record<string, unknown>;
  next_action: NextActionView | null;
  refunded_amount: number;
  workflow_id: string;
  paid_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  payment_id: string;
  attempt_no: number;
  channel: string;
  channel_out_trade_no: string;
  channel_trade_no: string | null;
  status: AttemptStatus;
  code: string | null;
  message: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toAttemptView(r: AttemptRow): AttemptView {
  return {
    attemptNo: r.attempt_no,
    channel: r.channel,
    channelOutTradeNo: r.channel_out_trade_no,
    channelTradeNo: r.channel_trade_no,
    status: r.status,
    code: r.code,
    message: r.message,
  };
}

export function toPaymentView(p: PaymentRow, attempts: AttemptRow[]): PaymentView {
  return {
    id: p.id,
    merchantId: p.merchant_id,
    outTradeNo: p.out_trade_no,
    amount: p.amount,
    currency: p.currency,
    subject: p.subject,
    status: p.status,
    closeReason: p.close_reason,
    orderDeadline: p.order_deadline.toISOString(),
    expiresAt: p.expires_at.toISOString(),
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
    paidAt: iso(p.paid_at),
    closedAt: iso(p.closed_at),
    refundedAmount: p.refunded_amount,
    attempts: attempts.sort((a, b) => a.attempt_no - b.attempt_no).map(toAttemptView),
    nextAction: p.next_action,
    metadata: p.metadata,
  };
}

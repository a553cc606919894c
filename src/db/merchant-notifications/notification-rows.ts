import type { NotificationPayload, NotificationType } from '../../domain/merchant-notification';

export type NotificationStatus = 'PENDING' | 'DELIVERED' | 'DEAD';

/** A merchant notification as operators and merchants see it. */
export interface NotificationView {
  id: string;
  type: NotificationType;
  merchantId: string;
  paymentId: string;
  refundId: string | null;
  status: NotificationStatus;
  notifyUrl: string;
  attempts: number;
  lastError: string | null;
  lastStatusCode: number | null;
  resendCount: number;
  createdAt: string;
  deliveredAt: string | null;
  deadAt: string | null;
  /** The exact event delivered: `{ id, type, createdAt, data }`. */
  payload: NotificationPayload;
}

export interface NotificationAttemptView {
  runNo: number;
  attemptNo: number;
  at: string;
  notifyUrl: string;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  delivered: boolean;
}

/** What the delivery activity needs for one try. */
export interface DeliveryTarget {
  id: string;
  merchantId: string;
  notifyUrl: string;
  /** The exact bytes to POST (and sign). */
  body: string;
  status: NotificationStatus;
  resendCount: number;
  notifySecret: string;
}

export interface AttemptRecord {
  id: string;
  runNo: number;
  attemptNo: number;
  at: Date;
  notifyUrl: string;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  delivered: boolean;
}

/** How a recorded try left the event: delivered, still to retry, or no longer this run's business. */
export type AttemptOutcome = 'DELIVERED' | 'FAILED' | 'SUPERSEDED';

export interface UnstartedDelivery {
  id: string;
  runNo: number;
  merchantId: string;
  paymentId: string;
  type: NotificationType;
}

export interface NotificationRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  refund_id: string | null;
  type: NotificationType;
  body: string;
  notify_url: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  workflow_started: boolean;
  resend_count: number;
  created_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
}

export interface AttemptRow {
  run_no: number;
  attempt_no: number;
  at: Date;
  notify_url: string;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  delivered: boolean;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toView(r: NotificationRow): NotificationView {
  return {
    id: r.id,
    type: r.type,
    merchantId: r.merchant_id,
    paymentId: r.payment_id,
    refundId: r.refund_id,
    status: r.status,
    notifyUrl: r.notify_url,
    attempts: r.attempts,
    lastError: r.last_error,
    lastStatusCode: r.last_status_code,
    resendCount: r.resend_count,
    createdAt: r.created_at.toISOString(),
    deliveredAt: iso(r.delivered_at),
    deadAt: iso(r.dead_at),
    // From the frozen body, not the jsonb copy, so the keys keep the order the merchant receives them in.
    payload: JSON.parse(r.body) as NotificationPayload,
  };
}

export function toAttemptView(r: AttemptRow): NotificationAttemptView {
  return {
    runNo: r.run_no,
    attemptNo: r.attempt_no,
    at: r.at.toISOString(),
    notifyUrl: r.notify_url,
    httpStatus: r.http_status,
    error: r.error,
    durationMs: r.duration_ms,
    delivered: r.delivered,
  };
}

/** The delivery state of an event, without the (frozen, possibly large) payload: what the audit log keeps. */
export function deliveryState(v: NotificationView): Omit<NotificationView, 'payload'> {
  const { payload: _payload, ...state } = v;
  return state;
}

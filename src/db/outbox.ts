import { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import {
  NOTIFICATION_TYPES,
  type NotificationPayload,
  type NotificationType,
} from '../domain/merchant-notification';

// Domain vocabulary, re-exported for callers that still import it from here (import from src/domain).
export {
  NOTIFICATION_TYPES,
  type NotificationPayload,
  type NotificationType,
} from '../domain/merchant-notification';

export interface OutboxEventInput {
  merchantId: string;
  paymentId: string;
  /** Set for refund.* events, null (or absent) for payment.* events. */
  refundId?: string | null;
  type: NotificationType;
  /** The object as the API shows it (the payment, or the refund), frozen into the event. */
  data: unknown;
  /**
   * The task queue whose sweeper should start the delivery. Defaults to the task queue of the activity
   * this runs in (when it runs in one), else any sweeper.
   */
  taskQueue?: string | null;
  /** The event's createdAt; defaults to now. */
  at?: Date;
}

export interface OutboxEventRef {
  id: string;
  /** False when the event already existed (a retried transaction): nothing new was written. */
  inserted: boolean;
}

/** 'evt_' + 32 lower-case hex digits. */
export function newEventId(): string {
  return `evt_${randomUUID().replace(/-/g, '')}`;
}

function activityTaskQueue(): string | null {
  try {
    return Context.current().info.taskQueue;
  } catch {
    return null; // not inside an activity
  }
}

/**
 * Writes a merchant notification into the outbox, inside the caller's transaction, so that the event
 * exists if and only if the status change that causes it commits. Idempotent per (payment, type) for
 * payment events and per (refund, type) for refund events: a retried transaction finds the event that is
 * already there. The payload `{ id, type, createdAt, data }` is frozen here: every delivery (retries and
 * resends) sends these exact bytes. The notifyUrl is copied from the payment; a payment without one gets no
 * event (returns null). A delivery workflow is started by the outbox sweeper once the transaction commits.
 */
export async function insertOutboxEvent(c: PoolClient, e: OutboxEventInput): Promise<OutboxEventRef | null> {
  if (!(NOTIFICATION_TYPES as readonly string[]).includes(e.type)) {
    throw new RangeError(`unknown notification type ${String(e.type)}`);
  }
  const refundId = e.refundId ?? null;
  if (e.type.startsWith('refund.') !== (refundId !== null)) {
    throw new RangeError(`${e.type} ${refundId ? 'must not' : 'must'} name a refund`);
  }
  const pay = await c.query<{ notify_url: string | null; merchant_id: string }>(
    'SELECT notify_url, merchant_id FROM payments WHERE id = $1',
    [e.paymentId],
  );
  const payment = pay.rows[0];
  if (!payment) throw new Error(`payment ${e.paymentId} not found for outbox event ${e.type}`);
  if (payment.merchant_id !== e.merchantId) {
    throw new Error(`payment ${e.paymentId} belongs to ${payment.merchant_id}, not ${e.merchantId}`);
  }
  if (!payment.notify_url) return null;

  const existing = await findExisting(c, e.paymentId, refundId, e.type);
  if (existing) return { id: existing, inserted: false };

  const id = newEventId();
  const at = e.at ?? new Date();
  const payload: NotificationPayload = { id, type: e.type, createdAt: at.toISOString(), data: e.data };
  const body = JSON.stringify(payload);
  const taskQueue = e.taskQueue === undefined ? activityTaskQueue() : e.taskQueue;
  const res = await c.query(
    `INSERT INTO merchant_notifications (id, merchant_id, payment_id, refund_id, type, payload, body, notify_url,
       task_queue, pending_since, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $10, $10)
     ON CONFLICT DO NOTHING`,
    [id, e.merchantId, e.paymentId, refundId, e.type, body, body, payment.notify_url, taskQueue, at],
  );
  if (res.rowCount === 1) return { id, inserted: true };
  // A concurrent transaction wrote the same event first (the unique index made us wait for it).
  const winner = await findExisting(c, e.paymentId, refundId, e.type);
  if (!winner) throw new Error(`outbox event ${e.type} for ${refundId ?? e.paymentId} vanished`);
  return { id: winner, inserted: false };
}

async function findExisting(
  c: PoolClient,
  paymentId: string,
  refundId: string | null,
  type: NotificationType,
): Promise<string | null> {
  const res = refundId
    ? await c.query<{ id: string }>(
        'SELECT id FROM merchant_notifications WHERE refund_id = $1 AND type = $2',
        [refundId, type],
      )
    : await c.query<{ id: string }>(
        'SELECT id FROM merchant_notifications WHERE payment_id = $1 AND refund_id IS NULL AND type = $2',
        [paymentId, type],
      );
  return res.rows[0]?.id ?? null;
}

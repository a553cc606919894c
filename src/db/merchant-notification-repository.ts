import type { Pool, PoolClient } from 'pg';
import { appendAudit, type AuditActor } from './audit-log';
import { withTransaction } from './transaction';
import type { NotificationType } from '../domain/merchant-notification';
import {
  deliveryState,
  toAttemptView,
  toView,
  type NotificationView,
  type NotificationAttemptView,
  type DeliveryTarget,
  type AttemptRecord,
  type AttemptOutcome,
  type UnstartedDelivery,
  type NotificationRow,
  type AttemptRow,
} from './merchant-notifications/notification-rows';

export { deliveryState };
export type {
  NotificationStatus,
  NotificationView,
  NotificationAttemptView,
  DeliveryTarget,
  AttemptRecord,
  AttemptOutcome,
  UnstartedDelivery,
} from './merchant-notifications/notification-rows';

/** The merchant notification outbox: reads for the API, delivery bookkeeping for the delivery workflow. */
export class NotificationRepository {
  constructor(private readonly pool: Pool) {}

  async findById(id: string, merchantId?: string): Promise<NotificationView | null> {
    const res = await this.pool.query<NotificationRow>(
      'SELECT * FROM merchant_notifications WHERE id = $1 AND ($2::text IS NULL OR merchant_id = $2)',
      [id, merchantId ?? null],
    );
    return res.rows[0] ? toView(res.rows[0]) : null;
  }

  /** A payment's events, oldest first. */
  async listForPayment(paymentId: string): Promise<NotificationView[]> {
    const res = await this.pool.query<NotificationRow>(
      'SELECT * FROM merchant_notifications WHERE payment_id = $1 ORDER BY created_at, id',
      [paymentId],
    );
    return res.rows.map(toView);
  }

  /** Events that ran out of tries (for GET /v1/ops/exceptions), most recent first. */
  async listDead(limit = 100): Promise<NotificationView[]> {
    const res = await this.pool.query<NotificationRow>(
      `SELECT * FROM merchant_notifications WHERE status = 'DEAD' ORDER BY dead_at DESC LIMIT $1`,
      [limit],
    );
    return res.rows.map(toView);
  }

  /** Every try of an event, in order. */
  async listAttempts(id: string): Promise<NotificationAttemptView[]> {
    const res = await this.pool.query<AttemptRow>(
      'SELECT * FROM merchant_notification_attempts WHERE notification_id = $1 ORDER BY id',
      [id],
    );
    return res.rows.map(toAttemptView);
  }

  async loadForDelivery(id: string): Promise<DeliveryTarget | null> {
    const res = await this.pool.query<NotificationRow & { notify_secret: string }>(
      `SELECT n.*, m.notify_secret FROM merchant_notifications n JOIN merchants m ON m.id = n.merchant_id
       WHERE n.id = $1`,
      [id],
    );
    const r = res.rows[0];
    return r
      ? {
          id: r.id,
          merchantId: r.merchant_id,
          notifyUrl: r.notify_url,
          body: r.body,
          status: r.status,
          resendCount: r.resend_count,
          notifySecret: r.notify_secret,
        }
      : null;
  }

  /** A try already recorded (an activity retried after it committed): not sent again. */
  async findAttempt(id: string, runNo: number, attemptNo: number): Promise<NotificationAttemptView | null> {
    const res = await this.pool.query<AttemptRow>(
      'SELECT * FROM merchant_notification_attempts WHERE notification_id = $1 AND run_no = $2 AND attempt_no = $3',
      [id, runNo, attemptNo],
    );
    return res.rows[0] ? toAttemptView(res.rows[0]) : null;
  }

  /**
   * Records one try and, when it belongs to the current delivery run, its effect: DELIVERED on a 2xx,
   * otherwise still PENDING with the last error. A run superseded by a resend only logs its try.
   */
  async recordAttempt(a: AttemptRecord): Promise<AttemptOutcome> {
    return withTransaction(this.pool, async (c) => {
      const cur = await lockRow(c, a.id);
      if (!cur) throw new Error(`merchant notification ${a.id} not found`);
      const current = cur.resend_count === a.runNo && cur.status === 'PENDING';
      const ins = await c.query(
        `INSERT INTO merchant_notification_attempts
           (notification_id, run_no, attempt_no, at, notify_url, http_status, error, duration_ms, delivered)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING`,
        [
          a.id,
          a.runNo,
          a.attemptNo,
          a.at,
          a.notifyUrl,
          a.httpStatus,
          a.error,
          Math.max(0, Math.round(a.durationMs)),
          a.delivered,
        ],
      );
      if (ins.rowCount === 1) {
        await c.query(
          `UPDATE merchant_notifications SET attempts = attempts + 1, last_error = $2, last_status_code = $3,
             updated_at = $4,
             status = CASE WHEN $5 THEN 'DELIVERED' ELSE status END,
             delivered_at = CASE WHEN $5 THEN $4 ELSE delivered_at END
           WHERE id = $1`,
          [a.id, a.error, a.httpStatus, a.at, current && a.delivered],
        );
      }
      if (!current)
        return cur.status === 'DELIVERED' && cur.resend_count === a.runNo ? 'DELIVERED' : 'SUPERSEDED';
      return a.delivered ? 'DELIVERED' : 'FAILED';
    });
  }

  /** The run's schedule is spent: DEAD, for operators. False when a resend took over (or it was delivered). */
  async markDead(id: string, runNo: number, at: Date): Promise<boolean> {
    const res = await this.pool.query(
      `UPDATE merchant_notifications SET status = 'DEAD', dead_at = $3, updated_at = $3
       WHERE id = $1 AND resend_count = $2 AND status = 'PENDING'`,
      [id, runNo, at],
    );
    return res.rowCount === 1;
  }

  /**
   * PENDING events whose current delivery run has no workflow yet: those written for `taskQueue` (or for
   * no queue in particular), and any other that has waited longer than `orphanAfterMs`.
   */
  async listUnstarted(taskQueue: string, orphanAfterMs: number, limit: number): Promise<UnstartedDelivery[]> {
    const res = await this.pool.query<{
      id: string;
      resend_count: number;
      merchant_id: string;
      payment_id: string;
      type: NotificationType;
    }>(
      `SELECT id, resend_count, merchant_id, payment_id, type FROM merchant_notifications
       WHERE status = 'PENDING' AND NOT workflow_started
         AND (task_queue IS NULL OR task_queue = $1 OR pending_since < now() - make_interval(secs => $2::float8 / 1000))
       ORDER BY pending_since LIMIT $3`,
      [taskQueue, orphanAfterMs, limit],
    );
    return res.rows.map((r) => ({
      id: r.id,
      runNo: r.resend_count,
      merchantId: r.merchant_id,
      paymentId: r.payment_id,
      type: r.type,
    }));
  }

  async markStarted(id: string, runNo: number): Promise<void> {
    await this.pool.query(
      'UPDATE merchant_notifications SET workflow_started = true WHERE id = $1 AND resend_count = $2',
      [id, runNo],
    );
  }

  /**
   * An operator's resend: the same event (same id, same bytes) goes out again through a new delivery run,
   * PENDING until delivered. The state change and its audit entry commit together. Null for an unknown id.
   */
  async resend(
    id: string,
    actor: AuditActor,
    reason: string,
    at = new Date(),
  ): Promise<{ before: NotificationView; after: NotificationView } | null> {
    return withTransaction(this.pool, async (c) => {
      const row = await lockRow(c, id);
      if (!row) return null;
      const before = toView(row);
      const res = await c.query<NotificationRow>(
        `UPDATE merchant_notifications SET status = 'PENDING', resend_count = resend_count + 1,
           workflow_started = false, pending_since = $2, updated_at = $2, delivered_at = NULL, dead_at = NULL
         WHERE id = $1 RETURNING *`,
        [id, at],
      );
      const after = toView(res.rows[0]!);
      await appendAudit(c, {
        actor,
        action: 'notification.resend',
        targetType: 'notification',
        targetId: id,
        reason,
        before: deliveryState(before),
        after: deliveryState(after),
      });
      return { before, after };
    });
  }
}

async function lockRow(c: PoolClient, id: string): Promise<NotificationRow | null> {
  const res = await c.query<NotificationRow>(
    'SELECT * FROM merchant_notifications WHERE id = $1 FOR UPDATE',
    [id],
  );
  return res.rows[0] ?? null;
}

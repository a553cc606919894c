import type { PoolClient } from 'pg';
import type { NotificationType } from '../domain/merchant-notification';
import type { PaymentView } from '../domain/payment';
import type { PaymentStatus } from '../domain/payment-status';
import { StaleStatusError, type StatusChange } from '../domain/status-change';
import { insertOutboxEvent } from './outbox';

/** The merchant notification a payment's final status causes. */
const FINAL_EVENT_TYPES: Partial<Record<PaymentStatus, NotificationType>> = {
  SUCCEEDED: 'payment.succeeded',
  FAILED: 'payment.failed',
  CLOSED: 'payment.closed',
};

type CasResult = 'APPLIED' | 'RERUN';
type LoadView = (paymentId: string) => Promise<PaymentView | null>;

/**
 * The write half of PaymentRepository.applyStatusChange, inside the caller's transaction: the new attempt
 * (insert-or-nothing), the attempt's and the payment's compare-and-set moves with their history rows, the
 * merchant event of a final status (outbox), and the next action while the payment is open.
 */
export async function writeStatusChange(c: PoolClient, ch: StatusChange, load: LoadView): Promise<void> {
  if (ch.newAttempt) {
    const a = ch.newAttempt;
    const ins = await c.query(
      `INSERT INTO payment_attempts (payment_id, attempt_no, channel, channel_out_trade_no, status, method, created_at, updated_at)
       VALUES ($1,$2,$3,$4,'PROCESSING',$5,$6,$6) ON CONFLICT DO NOTHING`,
      [
        ch.paymentId,
        a.attemptNo,
        a.channel,
        a.channelOutTradeNo,
        a.method ? JSON.stringify(a.method) : null,
        ch.at,
      ],
    );
    if (ins.rowCount === 1) await history(c, ch, a.attemptNo, null, 'PROCESSING');
  }
  const attemptApplied = ch.attempt ? await casAttempt(c, ch) : 'APPLIED';
  const paymentApplied = ch.payment ? await casPayment(c, ch, load) : 'APPLIED';
  const rerun = attemptApplied === 'RERUN' || paymentApplied === 'RERUN';
  if (ch.nextAction !== undefined && !rerun) {
    await c.query(
      `UPDATE payments SET next_action = $2, updated_at = $3
       WHERE id = $1 AND status NOT IN ('SUCCEEDED','FAILED','CLOSED')`,
      [ch.paymentId, ch.nextAction ? JSON.stringify(ch.nextAction) : null, ch.at],
    );
  }
}

/**
 * APPLIED: the row moved now, or was already at the target. RERUN: the row has moved on, but its history
 * shows this very move was made before (a re-run after a crash lost the workflow task that made it), so
 * the change is already in place and the row is answered as it is. Anything else is a StaleStatusError.
 */
async function casPayment(c: PoolClient, ch: StatusChange, load: LoadView): Promise<CasResult> {
  const p = ch.payment!;
  const res = await c.query(
    `UPDATE payments SET status = $3, updated_at = $4,
       close_reason = COALESCE($5, close_reason), paid_at = COALESCE($6, paid_at), closed_at = COALESCE($7, closed_at),
       next_action = CASE WHEN $3 IN ('SUCCEEDED','FAILED','CLOSED') THEN NULL ELSE next_action END
     WHERE id = $1 AND status = $2`,
    [ch.paymentId, p.from, p.to, ch.at, p.closeReason ?? null, p.paidAt ?? null, p.closedAt ?? null],
  );
  if (res.rowCount === 1) {
    await history(c, ch, null, p.from, p.to);
    const type = FINAL_EVENT_TYPES[p.to];
    if (type) {
      // Outbox: the merchant's event commits with the status change that causes it, or not at all.
      const view = await load(ch.paymentId);
      if (!view) throw new Error(`payment ${ch.paymentId} not found`);
      await insertOutboxEvent(c, { merchantId: view.merchantId, paymentId: view.id, type, data: view });
    }
    return 'APPLIED';
  }
  const cur = await c.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [ch.paymentId]);
  const actual = cur.rows[0]?.status ?? null;
  if (actual === p.to) return 'APPLIED';
  if (await madeBefore(c, ch.paymentId, null, p.from, p.to)) return 'RERUN';
  throw new StaleStatusError(`payment ${ch.paymentId}`, p.from, actual);
}

async function casAttempt(c: PoolClient, ch: StatusChange): Promise<CasResult> {
  const a = ch.attempt!;
  const res = await c.query(
    `UPDATE payment_attempts SET status = $4, updated_at = $5, code = COALESCE($6, code),
       message = COALESCE($7, message), channel_trade_no = COALESCE($8, channel_trade_no)
     WHERE payment_id = $1 AND attempt_no = $2 AND status = $3`,
    [
      ch.paymentId,
      a.attemptNo,
      a.from,
      a.to,
      ch.at,
      a.code ?? null,
      a.message ?? null,
      a.channelTradeNo ?? null,
    ],
  );
  if (res.rowCount === 1) {
    if (a.from !== a.to) await history(c, ch, a.attemptNo, a.from, a.to);
    return 'APPLIED';
  }
  const cur = await c.query<{ status: string }>(
    'SELECT status FROM payment_attempts WHERE payment_id = $1 AND attempt_no = $2',
    [ch.paymentId, a.attemptNo],
  );
  const actual = cur.rows[0]?.status ?? null;
  if (actual === a.to) return 'APPLIED';
  // A same-status write (details only) has no history entry: it is a re-run if the attempt has left `from`.
  const to = a.from === a.to ? null : a.to;
  if (actual !== null && (await madeBefore(c, ch.paymentId, a.attemptNo, a.from, to))) return 'RERUN';
  throw new StaleStatusError(`attempt ${ch.paymentId}#${a.attemptNo}`, a.from, actual);
}

/** Whether the history shows the move from → to (to null: any move from `from`) of the payment or one attempt. */
async function madeBefore(
  c: PoolClient,
  paymentId: string,
  attemptNo: number | null,
  from: string,
  to: string | null,
): Promise<boolean> {
  const res = await c.query(
    `SELECT 1 FROM payment_status_history
     WHERE payment_id = $1 AND attempt_no IS NOT DISTINCT FROM $2 AND from_status = $3
       AND ($4::text IS NULL OR to_status = $4) LIMIT 1`,
    [paymentId, attemptNo, from, to],
  );
  return (res.rowCount ?? 0) > 0;
}

async function history(
  c: PoolClient,
  ch: StatusChange,
  attemptNo: number | null,
  from: string | null,
  to: string,
): Promise<void> {
  await c.query(
    'INSERT INTO payment_status_history (payment_id, attempt_no, from_status, to_status, reason, at) VALUES ($1,$2,$3,$4,$5,$6)',
    [ch.paymentId, attemptNo, from, to, ch.reason, ch.at],
  );
}

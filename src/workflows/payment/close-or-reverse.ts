import { log } from '@temporalio/workflow';
import type { CloseOutcome } from '../../activities/channel-outcomes';
import { isFinalAttempt } from '../../domain/attempt-state-machine';
import type { AttemptView } from '../../domain/payment';
import type { CloseReason } from '../../domain/payment-status';
import { channel } from '../activity-proxies';
import { queryQuietly, settle } from './attempt-steps';
import { recordLateSuccess } from './late-money';
import type { PaymentState } from './payment-state';

/**
 * Makes the current attempt final at its channel and the payment CLOSED: close; when the close cannot be
 * confirmed, reverse (cancel). Returns 'PAID' when the buyer paid first (the payment then SUCCEEDED),
 * 'DONE' when closed, or 'UNKNOWN' when neither could be confirmed (the payment shows UNKNOWN; the caller
 * keeps the close as an intent and tries again later).
 */
export async function closeAtChannel(
  s: PaymentState,
  closeReason: CloseReason,
): Promise<'PAID' | 'DONE' | 'UNKNOWN'> {
  const a = s.current;
  if (!a || isFinalAttempt(a.status)) {
    await s.move(`closed: ${closeReason}`, { payment: 'CLOSED', closeReason });
    return 'DONE';
  }
  let c: CloseOutcome;
  try {
    c = await channel.channelClose({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
  } catch (err) {
    c = { outcome: 'UNKNOWN', code: 'CLOSE_CALL_FAILED', message: String((err as Error).message) };
  }
  if (c.outcome === 'ALREADY_PAID') {
    await settle(
      s,
      { kind: 'PAID', channelTradeNo: c.channelTradeNo, paidAt: c.paidAt },
      'close: already paid',
    );
    return 'PAID';
  }
  if (c.outcome === 'CLOSED' || c.outcome === 'NOT_FOUND') {
    await s.move(`closed: ${closeReason}`, { payment: 'CLOSED', attempt: 'CLOSED', closeReason });
    return 'DONE';
  }
  try {
    const r = await channel.channelCancel({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
    if (r.outcome === 'REVERSED') {
      // Only a cancel that refunded returned money (REVERSED). One that closed the trade, or found none, is
      // a close: money can still arrive after it (a delayed debit), and a CLOSED attempt's late money is
      // looked for and refunded; a REVERSED one's would be ignored as already returned, and kept.
      await s.move(`reversed (${r.action}): ${closeReason}`, {
        payment: 'CLOSED',
        attempt: r.action === 'REFUNDED' ? 'REVERSED' : 'CLOSED',
        closeReason,
      });
      return 'DONE';
    }
  } catch (err) {
    log.warn('cancel failed', { paymentId: s.view.id, error: String(err) });
  }
  if (s.status !== 'UNKNOWN') {
    await s.move('close and reversal unconfirmed', { payment: 'UNKNOWN', attempt: 'UNKNOWN' });
  }
  return 'UNKNOWN';
}

/**
 * Before another attempt starts, the previous one must be final at its own channel, so a retry is never
 * a second live charge: query, and close (or reverse) a trade still waiting. False when that cannot be
 * confirmed now, or the channel says the old trade was paid after all (then it is recorded for refund).
 */
export async function finalizeAtChannel(s: PaymentState, attempt: AttemptView): Promise<boolean> {
  const q = await queryQuietly(attempt);
  if (q.status === 'NOT_FOUND' || q.status === 'CLOSED') return true;
  if (q.status === 'PAID') {
    await recordLateSuccess(s, attempt.attemptNo, q.channelTradeNo, q.amount, 'QUERY');
    return false;
  }
  if (q.status === 'UNKNOWN') return false;
  try {
    const c = await channel.channelClose({ channel: attempt.channel, outTradeNo: attempt.channelOutTradeNo });
    if (c.outcome === 'CLOSED' || c.outcome === 'NOT_FOUND') return true;
    if (c.outcome === 'ALREADY_PAID') {
      await recordLateSuccess(s, attempt.attemptNo, c.channelTradeNo, s.view.amount, 'QUERY');
      return false;
    }
    const r = await channel.channelCancel({
      channel: attempt.channel,
      outTradeNo: attempt.channelOutTradeNo,
    });
    return r.outcome === 'REVERSED';
  } catch {
    return false;
  }
}

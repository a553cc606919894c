import { isTerminalPayment } from '../../domain/payment-state-machine';
import type { CloseReason } from '../../domain/payment-status';
import { closeAtChannel } from './close-or-reverse';
import type { PaymentState } from './payment-state';

const FIRST_RETRY_MS = 1_000;

/** Keeps (or keeps trying) a close the channel did not confirm; the first reason asked for stays. */
export function keepCloseIntent(s: PaymentState, closeReason: CloseReason, retryMaxMs: number): void {
  const tries = (s.intent?.tries ?? 0) + 1;
  s.intent = {
    closeReason: s.intent?.closeReason ?? closeReason,
    tries,
    nextTryAt: Date.now() + Math.min(FIRST_RETRY_MS * 2 ** (tries - 1), retryMaxMs),
  };
}

/**
 * The deadline passed: a payment with no live trade (a failed attempt awaiting retry) FAILED; otherwise
 * the close at the channel becomes the payment's intent, tried now by the main loop.
 */
export async function expire(s: PaymentState): Promise<void> {
  if (s.status === 'AWAITING_RETRY') {
    await s.move('deadline passed after a failed attempt', { payment: 'FAILED' });
    return;
  }
  s.intent ??= { closeReason: 'EXPIRED', tries: 0, nextTryAt: Date.now() };
}

/** One try of the pending close; confirmed (closed, or found paid) ends the intent, unknown backs off. */
export async function retryCloseIntent(s: PaymentState, retryMaxMs: number): Promise<void> {
  const intent = s.intent;
  if (!intent) return;
  if (isTerminalPayment(s.status)) {
    s.intent = null;
    return;
  }
  const r = await closeAtChannel(s, intent.closeReason);
  if (r === 'UNKNOWN') keepCloseIntent(s, intent.closeReason, retryMaxMs);
  else s.intent = null;
}

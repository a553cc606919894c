import type { PayOutcome, QueryOutcome } from '../../activities/channel-outcomes';
import { channelOutTradeNo } from '../../domain/ids';
import type { AttemptView, PaymentMethod } from '../../domain/payment';
import { isTerminalPayment } from '../../domain/payment-state-machine';
import { channel, pay } from '../activity-proxies';
import { recordLateSuccess } from './late-money';
import type { PaymentState } from './payment-state';

export type ChannelResult =
  | { kind: 'PAID'; channelTradeNo: string; paidAt: string | null }
  | { kind: 'WAITING'; channelTradeNo: string | null }
  | { kind: 'CLOSED' }
  | { kind: 'UNKNOWN'; code?: string; message?: string };

/** Starts attempt n+1 at `channelName` and makes its pay call; the payment must be payable now. */
export async function startAttempt(
  s: PaymentState,
  channelName: string,
  method: PaymentMethod | undefined,
): Promise<void> {
  const attemptNo = s.view.attempts.length + 1;
  const outTradeNo = channelOutTradeNo(s.view.id, attemptNo);
  s.lastMethod = method;
  s.firstAttemptAt ??= Date.now();
  await s.move(
    'attempt started',
    { payment: 'PROCESSING' },
    {
      newAttempt: { attemptNo, channel: channelName, channelOutTradeNo: outTradeNo, method },
      nextAction: null,
    },
  );
  await payAttempt(s, method);
}

/**
 * The pay call of the current attempt, and its outcome applied. Idempotent at the channel by the attempt's
 * trade number, so it may be made again when a crash lost the first one's answer (see createAndPay).
 */
export async function payAttempt(s: PaymentState, method: PaymentMethod | undefined): Promise<void> {
  const a = s.current;
  if (!a) return;
  let outcome: PayOutcome;
  try {
    outcome = await pay.channelPay({
      channel: a.channel,
      outTradeNo: a.channelOutTradeNo,
      amount: s.view.amount,
      currency: s.view.currency,
      subject: s.view.subject,
      expiresAt: s.view.expiresAt,
      method,
    });
  } catch (err) {
    // The call may have reached the channel: never guess, resolve by query.
    outcome = { outcome: 'UNKNOWN', code: 'PAY_CALL_FAILED', message: String((err as Error).message) };
  }
  switch (outcome.outcome) {
    case 'PENDING':
      return s.move(
        'pay accepted',
        { attempt: 'PROCESSING' },
        { nextAction: outcome.nextAction, channelTradeNo: outcome.channelTradeNo },
      );
    case 'PAID':
      return settle(
        s,
        { kind: 'PAID', channelTradeNo: outcome.channelTradeNo, paidAt: outcome.paidAt },
        'paid at once',
      );
    case 'DECLINED':
      return s.move(
        'declined',
        { payment: 'AWAITING_RETRY', attempt: 'FAILED' },
        { code: outcome.code, message: outcome.message },
      );
    case 'UNKNOWN':
      return s.move(
        'pay result unknown',
        { payment: 'UNKNOWN', attempt: 'UNKNOWN' },
        { code: outcome.code, message: outcome.message },
      );
  }
}

/** Asks the channel about the current attempt and applies the answer. */
export async function poll(s: PaymentState): Promise<void> {
  const a = s.current;
  if (!a) return;
  const q = await queryQuietly(a);
  if (q.status === 'PAID')
    return settle(s, { kind: 'PAID', channelTradeNo: q.channelTradeNo, paidAt: q.paidAt }, 'query: paid');
  if (q.status === 'WAIT_BUYER_PAY')
    return settle(s, { kind: 'WAITING', channelTradeNo: q.channelTradeNo }, 'query: waiting');
  if (q.status === 'CLOSED') return settle(s, { kind: 'CLOSED' }, 'query: closed at channel');
  // NOT_FOUND while unknown: the pay call may still be in flight at the channel; keep asking until the deadline.
}

/** Operator re-query: the open attempt is polled; a finished one is asked too, so late money is found now. */
export async function queryNow(s: PaymentState): Promise<void> {
  const a = s.current;
  if (!a) return;
  if (s.hasOpenAttempt) return poll(s);
  const q = await queryQuietly(a);
  if (q.status === 'PAID') await onPaid(s, a.attemptNo, q.channelTradeNo, q.paidAt, q.amount, 'QUERY');
}

/** The channel's answer, or UNKNOWN when it cannot be had now (the activity's own retries ran out). */
export async function queryQuietly(a: AttemptView): Promise<QueryOutcome> {
  try {
    return await channel.channelQuery({ channel: a.channel, outTradeNo: a.channelOutTradeNo });
  } catch (err) {
    return { status: 'UNKNOWN', code: 'QUERY_CALL_FAILED', message: String((err as Error).message) };
  }
}

/** Applies a channel result for the current, still-open attempt. */
export async function settle(s: PaymentState, r: ChannelResult, reason: string): Promise<void> {
  if (!s.hasOpenAttempt || isTerminalPayment(s.status)) return;
  if (r.kind === 'PAID') {
    return s.move(
      reason,
      { payment: 'SUCCEEDED', attempt: 'SUCCEEDED' },
      { channelTradeNo: r.channelTradeNo, paidAt: r.paidAt },
    );
  }
  // While a close is pending the trade waiting for the buyer is what the close must end, not a reason
  // to show PROCESSING again (the buyer must not pay an order the merchant closed).
  if (r.kind === 'WAITING' && s.current?.status === 'UNKNOWN' && !s.intent) {
    return s.move(
      reason,
      { payment: 'PROCESSING', attempt: 'PROCESSING' },
      { channelTradeNo: r.channelTradeNo },
    );
  }
  if (r.kind === 'CLOSED') {
    if (s.intent) {
      // The channel confirms the pending close.
      return s.move(reason, { payment: 'CLOSED', attempt: 'CLOSED', closeReason: s.intent.closeReason });
    }
    // The channel closed the trade itself (its time_expire is our deadline): the payment expired with it.
    const expired = Date.now() >= s.deadline - 1_000;
    return s.move(
      reason,
      expired
        ? { payment: 'CLOSED', attempt: 'CLOSED', closeReason: 'EXPIRED' }
        : { payment: 'AWAITING_RETRY', attempt: 'CLOSED' },
    );
  }
}

/** A channel says attempt `attemptNo` was paid: settle it if current and open, else record it for refund. */
export async function onPaid(
  s: PaymentState,
  attemptNo: number,
  channelTradeNo: string,
  paidAt: string | null,
  amount: number,
  source: 'NOTIFY' | 'QUERY',
): Promise<void> {
  const isCurrentAndOpen =
    s.current?.attemptNo === attemptNo && s.hasOpenAttempt && !isTerminalPayment(s.status);
  if (isCurrentAndOpen) {
    return settle(
      s,
      { kind: 'PAID', channelTradeNo, paidAt },
      source === 'NOTIFY' ? 'notify: paid' : 'query: paid',
    );
  }
  await recordLateSuccess(s, attemptNo, channelTradeNo, amount, source);
}

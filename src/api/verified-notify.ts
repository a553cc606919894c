import type { NotifyVerification } from '../channels/channel-port';
import type { PaymentClient } from '../client/payment-client';
import type { NotificationInbox } from '../db/channel-notify-inbox';
import type { PaymentRepository } from '../db/payment-repository';

export interface VerifiedNotifyDeps {
  client: PaymentClient;
  inbox: NotificationInbox;
  payments: PaymentRepository;
}

/**
 * What every channel's notify endpoint does once the channel's own checks passed (Alipay form, WeChat
 * headers and AES-GCM): the trade number must be an attempt of ours on this channel with the payment's
 * amount; then the notify is recorded in the inbox and signalled to the payment's workflow. Answers
 * null when accepted, else the refusal reason (the caller records and answers it in its channel's shape).
 */
export async function acceptVerifiedNotify(
  deps: VerifiedNotifyDeps,
  channel: string,
  v: Extract<NotifyVerification, { ok: true }>,
  raw: Parameters<NotificationInbox['record']>[0]['raw'],
): Promise<string | null> {
  const found = await deps.payments.findAttemptByChannelOutTradeNo(v.outTradeNo);
  if (!found || found.attempt.channel !== channel) return 'unknown out_trade_no';
  if (v.amount !== found.payment.amount) {
    return `amount ${v.amount} differs from the attempt's ${found.payment.amount}`;
  }
  await deps.inbox.record({
    channel,
    notifyId: v.notifyId,
    raw,
    verified: true,
    rejectionReason: null,
    outTradeNo: v.outTradeNo,
    tradeStatus: v.tradeStatus,
    paymentId: found.payment.id,
  });
  // Signalled even for a duplicate: the first one's signal may have been lost in a crash; the workflow dedupes.
  await deps.client.notify(
    found.payment.workflow_id,
    {
      channel,
      channelOutTradeNo: v.outTradeNo,
      channelTradeNo: v.channelTradeNo,
      status: v.tradeStatus === 'FINISHED' ? 'PAID' : v.tradeStatus,
      amount: v.amount,
      paidAt: v.paidAt ? v.paidAt.toISOString() : null,
      notifyId: v.notifyId,
    },
    found.payment.id,
  );
  return null;
}

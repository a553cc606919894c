/** The kinds of merchant notification (contract section 5). */
export const NOTIFICATION_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'payment.closed',
  'refund.succeeded',
  'refund.failed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The event a merchant receives, exactly: the JSON body POSTed to its notifyUrl. */
export interface NotificationPayload {
  id: string;
  type: NotificationType;
  createdAt: string;
  data: unknown;
}

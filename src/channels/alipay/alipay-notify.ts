import type { NotifyVerification } from '../channel-port';
import { beijingInstant, fen, text } from './alipay-fields';

const TRADE_STATUSES = {
  WAIT_BUYER_PAY: 'WAIT_BUYER_PAY',
  TRADE_SUCCESS: 'PAID',
  TRADE_CLOSED: 'CLOSED',
  TRADE_FINISHED: 'FINISHED',
} as const;

/**
 * An Alipay asynchronous notify (decoded form fields): the signature checked by the SDK with the
 * channel's public key, then the app_id (a notify for another app is not ours), then the fields.
 */
export function verifyAlipayNotify(
  fields: Record<string, string>,
  appId: string,
  signatureVerifies: (fields: Record<string, string>) => boolean,
): NotifyVerification {
  const notifyId = text(fields, 'notify_id');
  const outTradeNo = text(fields, 'out_trade_no');
  const reject = (reason: string): NotifyVerification => ({ ok: false, notifyId, outTradeNo, reason });

  if (!text(fields, 'sign')) return reject('missing sign');
  // RSA2 only: accepting the weaker RSA (SHA1) the SDK also knows would be a downgrade.
  if (fields.sign_type !== undefined && fields.sign_type !== 'RSA2') return reject('sign_type must be RSA2');
  if (!signatureVerifies(fields)) return reject('bad signature');
  if (fields.app_id !== appId) return reject(`app_id ${fields.app_id ?? '(none)'} is not this account's`);

  const channelTradeNo = text(fields, 'trade_no');
  const status = text(fields, 'trade_status');
  const tradeStatus =
    status !== null && Object.hasOwn(TRADE_STATUSES, status)
      ? TRADE_STATUSES[status as keyof typeof TRADE_STATUSES]
      : null;
  const amount = fen(fields, 'total_amount');
  if (notifyId === null) return reject('missing notify_id');
  if (outTradeNo === null || channelTradeNo === null) return reject('missing out_trade_no or trade_no');
  if (tradeStatus === null) return reject(`unknown trade_status ${status ?? '(none)'}`);
  if (amount === null) return reject(`malformed total_amount ${fields.total_amount ?? '(none)'}`);
  return {
    ok: true,
    notifyId,
    outTradeNo,
    channelTradeNo,
    tradeStatus,
    amount,
    paidAt: beijingInstant(fields, 'gmt_payment'),
  };
}

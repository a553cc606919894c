import { createDecipheriv, createVerify } from 'node:crypto';
import type { NotifyVerification, RawNotify } from '../channel-port';
import { wechatTradeOutcome } from './wechatpay-codes';
import type { WechatPayAccountConfig } from './wechatpay-config';
import { amountFen, str } from './wechatpay-fields';
import { parseWechatTime } from './wechat-time';

/** WeChat's own limit on a notify's timestamp, which also bounds how long a captured one can be replayed. */
export const NOTIFY_MAX_SKEW_S = 300;
/** WeChat sends probes signed with this prefix to check that merchants verify signatures. */
const SIGNATURE_PROBE = 'WECHATPAY/SIGNTEST/';
const GCM_TAG_BYTES = 16;

type Refusal = Extract<NotifyVerification, { ok: false }>;

/**
 * A payment notify, checked in the order that trusts least first: the signature over the raw body with
 * the key named by Wechatpay-Serial (probe signatures refused), the timestamp within 5 minutes, then
 * AES-256-GCM with the full 16-byte tag, then the transaction's app id and merchant id. Amount and trade
 * number against our attempt are the route's checks, as for every channel.
 */
export function verifyWechatNotify(
  notify: RawNotify,
  account: WechatPayAccountConfig,
  now = new Date(),
): NotifyVerification {
  // Read unverified, only so that a refusal is filed under the id it claims (operators look it up).
  let notifyId: string | null = /"id"\s*:\s*"([^"]{1,64})"/.exec(notify.rawBody)?.[1] ?? null;
  let outTradeNo: string | null = null;
  const refuse = (reason: string): Refusal => ({ ok: false, notifyId, outTradeNo, reason });

  const serial = notify.headers['wechatpay-serial'];
  const signature = notify.headers['wechatpay-signature'];
  const timestamp = notify.headers['wechatpay-timestamp'];
  const nonce = notify.headers['wechatpay-nonce'];
  if (!serial || !signature || !timestamp || !nonce) return refuse('missing Wechatpay-* signature headers');
  if (signature.startsWith(SIGNATURE_PROBE)) return refuse('signature probe (WECHATPAY/SIGNTEST/)');
  if (serial !== account.platformPublicKeyId) return refuse(`unknown Wechatpay-Serial ${serial}`);
  if (
    !/^\d{1,12}$/.test(timestamp) ||
    Math.abs(now.getTime() / 1000 - Number(timestamp)) > NOTIFY_MAX_SKEW_S
  ) {
    return refuse(`Wechatpay-Timestamp ${timestamp} is more than ${NOTIFY_MAX_SKEW_S} s off`);
  }
  if (!verifies(`${timestamp}\n${nonce}\n${notify.rawBody}\n`, signature, account.platformPublicKey)) {
    return refuse('bad signature');
  }

  let body: Record<string, unknown>;
  try {
    body = JSON.parse(notify.rawBody) as Record<string, unknown>;
  } catch {
    return refuse('body is not JSON');
  }
  notifyId = str(body, 'id');
  if (notifyId === null) return refuse('notify without id');
  const resource = body.resource as Record<string, unknown> | undefined;
  if (
    str(body, 'resource_type') !== 'encrypt-resource' ||
    !resource ||
    str(resource, 'algorithm') !== 'AEAD_AES_256_GCM'
  ) {
    return refuse('resource is not AEAD_AES_256_GCM');
  }
  const plaintext = decrypt(resource, account.apiV3Key);
  if (plaintext === null) return refuse('GCM tag does not verify');
  let tx: Record<string, unknown>;
  try {
    tx = JSON.parse(plaintext) as Record<string, unknown>;
  } catch {
    return refuse('resource is not JSON');
  }
  outTradeNo = str(tx, 'out_trade_no');
  if (str(tx, 'appid') !== account.appId) return refuse(`appid ${String(tx.appid)} is not ours`);
  if (str(tx, 'mchid') !== account.mchId) return refuse(`mchid ${String(tx.mchid)} is not ours`);
  const channelTradeNo = str(tx, 'transaction_id');
  const amount = amountFen(tx, 'total');
  const state = wechatTradeOutcome(tx.trade_state);
  if (outTradeNo === null || amount === null) return refuse('transaction lacks out_trade_no or amount');
  if (state === null) return refuse(`unmapped trade_state ${String(tx.trade_state)}`);
  if (state === 'PAID' && channelTradeNo === null) return refuse('paid transaction without transaction_id');
  return {
    ok: true,
    notifyId,
    outTradeNo,
    channelTradeNo: channelTradeNo ?? '',
    tradeStatus: state,
    amount,
    paidAt: state === 'PAID' ? parseWechatTime(tx.success_time) : null,
  };
}

function verifies(message: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message).verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** base64(ciphertext ‖ tag); the tag must be the full 16 bytes (a truncated tag is a forgery aid). */
function decrypt(resource: Record<string, unknown>, apiV3Key: string): string | null {
  const ciphertext = str(resource, 'ciphertext');
  const nonce = str(resource, 'nonce');
  const aad = typeof resource.associated_data === 'string' ? resource.associated_data : '';
  if (ciphertext === null || nonce === null) return null;
  const data = Buffer.from(ciphertext, 'base64');
  if (data.length <= GCM_TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(apiV3Key, 'utf8'),
      Buffer.from(nonce, 'utf8'),
      {
        authTagLength: GCM_TAG_BYTES,
      },
    );
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    return Buffer.concat([
      decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}

import type { RawNotify } from '../../../../src/channels/channel-port';
import type { WechatSandboxKeys } from '../../../../src/channels/sandbox/wechat/wechat-keys';
import { encryptResource, signedHeaders } from '../../../../src/channels/sandbox/wechat/wechat-signing';
import { formatWechatTime } from '../../../../src/channels/wechatpay/wechat-time';

/** A transaction as WeChat's notify resource carries it. */
export const transaction = (keys: WechatSandboxKeys, outTradeNo: string, total: number, extra = {}) => ({
  appid: keys.appId,
  mchid: keys.mchId,
  out_trade_no: outTradeNo,
  transaction_id: '4200000000202612010000000001',
  trade_type: 'NATIVE',
  trade_state: 'SUCCESS',
  success_time: formatWechatTime(new Date()),
  amount: { total, payer_total: total, currency: 'CNY' },
  ...extra,
});

/** A notify signed and encrypted with the sandbox's keys, with hooks to spoil any part of it. */
export function forgeNotify(
  keys: WechatSandboxKeys,
  tx: Record<string, unknown>,
  spoil: { at?: Date; apiV3Key?: string; id?: string; ciphertext?: (c: string) => string } = {},
): RawNotify {
  const resource = encryptResource(JSON.stringify(tx), spoil.apiV3Key ?? keys.apiV3Key, 'transaction');
  if (spoil.ciphertext) resource.ciphertext = spoil.ciphertext(resource.ciphertext);
  const rawBody = JSON.stringify({
    id: spoil.id ?? `n-${Math.random().toString(36).slice(2)}`,
    create_time: formatWechatTime(new Date()),
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    resource: { original_type: 'transaction', ...resource },
  });
  const headers = Object.fromEntries(
    Object.entries(signedHeaders(rawBody, keys, spoil.at)).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]),
  );
  return { headers, rawBody };
}

/** Flips one bit in the middle of base64 text, keeping it valid base64. */
export function flipBit(base64: string, at: 'body' | 'tag'): string {
  const bytes = Buffer.from(base64, 'base64');
  const index = at === 'tag' ? bytes.length - 1 : 0;
  bytes[index] = (bytes[index] ?? 0) ^ 1;
  return bytes.toString('base64');
}

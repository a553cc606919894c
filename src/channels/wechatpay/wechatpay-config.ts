import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';

const pemOf = (parse: (pem: string) => { asymmetricKeyType?: string }) => (pem: string) => {
  try {
    return parse(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
};

/**
 * The shape a WeChat Pay (API v3) merchant account needs, validated at start like every channel account:
 * a real one and the sandbox's `sandbox_wechat` differ only in these values.
 */
export const wechatPayAccountSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, { error: 'must be 1-32 chars of a-z, 0-9, _ starting with a letter' }),
  kind: z.literal('wechatpay', { error: "must be 'wechatpay'" }),
  /** https for a real account; the sandbox serves plain http on localhost. */
  gatewayUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.mch.weixin.qq.com'),
  /** The app (公众号/小程序/APP) the merchant account is bound to. */
  appId: z.string().regex(/^wx[0-9a-f]{16}$/, { error: 'must be wx followed by 16 hex digits' }),
  mchId: z.string().regex(/^\d{8,10}$/, { error: 'must be the 8-10 digit merchant number' }),
  /** Serial number of the merchant's API certificate, sent with every signed request. */
  merchantSerialNo: z
    .string()
    .regex(/^[0-9A-Fa-f]{40}$/, { error: 'must be the 40 hex digit certificate serial number' }),
  /** Decrypts notify resources and certificates (AES-256-GCM): exactly 32 characters. */
  apiV3Key: z.string().length(32, { error: 'must be exactly 32 characters' }),
  merchantPrivateKey: z
    .string()
    .refine(pemOf(createPrivateKey), { error: 'must be an RSA private key in PEM' }),
  /** WeChat Pay's public key (or platform certificate key) that verifies answers and notifies. */
  platformPublicKey: z.string().refine(pemOf(createPublicKey), { error: 'must be an RSA public key in PEM' }),
  /** The id answers and notifies name the key by (`Wechatpay-Serial`): `PUB_KEY_ID_…`, or a certificate serial. */
  platformPublicKeyId: z.string().regex(/^(?:PUB_KEY_ID_\w+|[0-9A-Fa-f]{40})$/, {
    error: 'must be PUB_KEY_ID_… or the 40 hex digit platform certificate serial',
  }),
  notifyUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
});

export type WechatPayAccountConfig = z.output<typeof wechatPayAccountSchema>;

import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { wechatPayAccountSchema } from './wechatpay/wechatpay-config';

/**
 * Channel accounts as configuration: a real Alipay account differs from the sandbox only in these
 * values (gateway, app id, keys, notify URL), never in code. Validated once at start.
 */

function isRsaKey(pem: string, parse: (pem: string) => { asymmetricKeyType?: string }): boolean {
  try {
    return parse(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

const httpUrl = z
  .string({ error: 'must be a URL string' })
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    error: 'must be an http(s) URL',
  });

export const alipayAccountSchema = z.strictObject({
  /** Account name as payments and routes refer to it, e.g. `sandbox`. */
  name: z.string({ error: 'must be a string' }).regex(/^[a-z][a-z0-9_]{0,31}$/, {
    error: 'must be 1-32 chars of a-z, 0-9, _ starting with a letter',
  }),
  kind: z.literal('alipay', { error: "must be 'alipay'" }),
  /** The classic gateway endpoint, e.g. `https://openapi.alipay.com/gateway.do`. */
  gatewayUrl: httpUrl,
  appId: z.string({ error: 'must be a string' }).regex(/^\d{16}$/, { error: 'must be 16 digits' }),
  // Method-independent public request parameters: the only values the classic gateway accepts today.
  format: z.literal('JSON', { error: "must be 'JSON'" }).default('JSON'),
  charset: z.literal('utf-8', { error: "must be 'utf-8'" }).default('utf-8'),
  signType: z.literal('RSA2', { error: "must be 'RSA2'" }).default('RSA2'),
  version: z.literal('1.0', { error: "must be '1.0'" }).default('1.0'),
  /** Where the channel posts its asynchronous notifies for this account. */
  notifyUrl: httpUrl,
  /** Only when calling on behalf of a merchant (ISV mode). */
  appAuthToken: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).optional(),
  timeoutMs: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(100, { error: 'must be at least 100' })
    .max(120_000, { error: 'must be at most 120000' })
    .default(5000),
  /** Our app private key (PKCS8 or PKCS1 PEM) that signs requests. */
  appPrivateKey: z
    .string({ error: 'must be a PEM string' })
    .refine((pem) => isRsaKey(pem, createPrivateKey), { error: 'must be an RSA private key in PEM' }),
  /** The channel's public key (SPKI PEM) that verifies responses and notifies. */
  alipayPublicKey: z
    .string({ error: 'must be a PEM string' })
    .refine((pem) => isRsaKey(pem, createPublicKey), { error: 'must be an RSA public key in PEM' }),
});

export type ChannelAccountConfig = z.output<typeof alipayAccountSchema>;
export type ChannelAccountInput = z.input<typeof alipayAccountSchema>;

/** Every kind of channel account the configuration may hold. */
export const channelAccountSchema = z.discriminatedUnion(
  'kind',
  [alipayAccountSchema, wechatPayAccountSchema],
  {
    error: "kind must be 'alipay' or 'wechatpay'",
  },
);
export type AnyChannelAccountConfig = z.output<typeof channelAccountSchema>;

const accountsSchema = z.array(channelAccountSchema, { error: 'channel accounts must be an array' });

/** Validates raw configuration; the error names the account and the field, e.g. `accounts[1] (sandbox_backup).appId: must be 16 digits`. */
export function parseChannelAccounts(raw: unknown): AnyChannelAccountConfig[] {
  const result = accountsSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${describePath(raw, issue.path)}: ${issue.message}`);
    throw new Error(`Invalid channel account configuration: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  result.data.forEach((account, index) => {
    if (seen.has(account.name)) {
      throw new Error(
        `Invalid channel account configuration: accounts[${index}] (${account.name}).name: duplicate account name`,
      );
    }
    seen.add(account.name);
  });
  return result.data;
}

function describePath(raw: unknown, path: PropertyKey[]): string {
  const [index, ...rest] = path;
  if (typeof index !== 'number') return 'accounts';
  const entry: unknown = Array.isArray(raw) ? raw[index] : undefined;
  const name =
    entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string'
      ? ` (${(entry as { name: string }).name})`
      : '';
  const field = rest.length > 0 ? `.${rest.map(String).join('.')}` : '';
  return `accounts[${index}]${name}${field}`;
}

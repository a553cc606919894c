import { z } from 'zod';
import { isSupportedCurrency, MAX_AMOUNT } from '../domain/money';
import { parseRfc3339Millis } from '../domain/rfc3339';
import { SOURCES, TRANSACTION_TYPES } from '../domain/payment-status';
import { textProblem } from '../domain/text-rules';
import { jsonObject, text, TimestampSchema } from './text-schemas';

export { TimestampSchema };

/**
 * Request schemas: one definition gives runtime validation (typed client and HTTP edge alike), the
 * TypeScript types and the OpenAPI document.
 */
export const AmountSchema = z
  .number()
  .int('must be an integer number of minor units')
  .min(0, 'must not be negative')
  .max(MAX_AMOUNT, `must not exceed ${MAX_AMOUNT}`);

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
  .refine(isSupportedCurrency, 'is not a supported currency');

/** A channel account's name; on create and pay again it must also be one of the merchant's own (checked with the merchant). */
export const ChannelNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a channel account name');

export const PaymentMethodSchema = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a payment method type such as bank_card or wallet'),
  brand: text({ max: 64, kind: 'name' }).optional(),
  token: text({ max: 128, kind: 'name' }).optional(),
});

/** Free-form, the merchant's own: printable keys (at most 64 characters) and strings, 5 levels, 8 KiB. */
const MetadataSchema = jsonObject({ maxDepth: 5, maxKeys: 50, maxBytes: 8_192 }).refine(
  (m) => Object.keys(m).every((k) => k.length <= 64),
  'keys must be at most 64 characters',
);

const NotifyUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((s) => textProblem(s, 'name') === null, 'must not contain control characters');

const CreatePaymentFields = z.object({
  outTradeNo: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]'),
  amount: AmountSchema,
  currency: CurrencySchema,
  subject: text({ max: 256, trim: true }),
  orderDeadline: TimestampSchema,
  orderCreatedAt: TimestampSchema.optional(),
  method: PaymentMethodSchema.optional(),
  channel: ChannelNameSchema.optional(),
  transactionType: z.enum(TRANSACTION_TYPES).default('PURCHASE'),
  source: z.enum(SOURCES).default('ONLINE'),
  notifyUrl: NotifyUrlSchema.optional(),
  metadata: MetadataSchema.default({}),
});

export const CreatePaymentRequestSchema = CreatePaymentFields.superRefine((b, ctx) => {
  if (b.orderCreatedAt === undefined) return;
  const created = parseRfc3339Millis(b.orderCreatedAt);
  const deadline = parseRfc3339Millis(b.orderDeadline);
  if (created !== null && deadline !== null && created > deadline) {
    ctx.addIssue({ code: 'custom', path: ['orderCreatedAt'], message: 'must not be after orderDeadline' });
  }
});
export type CreatePaymentRequest = z.input<typeof CreatePaymentRequestSchema>;

export const PayAgainRequestSchema = z.object({
  method: PaymentMethodSchema.optional(),
  channel: ChannelNameSchema.optional(),
});
export type PayAgainRequest = z.input<typeof PayAgainRequestSchema>;

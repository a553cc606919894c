import { z } from 'zod';
import { isSupportedCurrency, MAX_AMOUNT } from '../domain/money';
import { parseRfc3339Millis } from '../domain/rfc3339';
import { SOURCES, TRANSACTION_TYPES } from '../domain/payment-status';

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

export const TimestampSchema = z
  .string()
  .refine((s) => parseRfc3339Millis(s) !== null, 'must be an RFC 3339 date-time with offset');

export const ChannelNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a channel account name');

export const PaymentMethodSchema = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a payment method type such as bank_card or wallet'),
  brand: z.string().min(1).max(64).optional(),
  token: z.string().min(1).max(128).optional(),
});

const MetadataSchema = z
  .record(z.string().max(64), z.unknown())
  .refine((m) => Object.keys(m).length <= 50, 'must have at most 50 keys')
  .refine((m) => JSON.stringify(m).length <= 8_192, 'must be at most 8 KiB as JSON');

export const CreatePaymentRequestSchema = z.object({
  outTradeNo: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]'),
  amount: AmountSchema,
  currency: CurrencySchema,
  subject: z.string().trim().min(1).max(256),
  orderDeadline: TimestampSchema,
  orderCreatedAt: TimestampSchema.optional(),
  method: PaymentMethodSchema.optional(),
  channel: ChannelNameSchema.optional(),
  transactionType: z.enum(TRANSACTION_TYPES).default('PURCHASE'),
  source: z.enum(SOURCES).default('ONLINE'),
  notifyUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  metadata: MetadataSchema.default({}),
});
export type CreatePaymentRequest = z.input<typeof CreatePaymentRequestSchema>;

export const PayAgainRequestSchema = z.object({
  method: PaymentMethodSchema.optional(),
  channel: ChannelNameSchema.optional(),
});
export type PayAgainRequest = z.input<typeof PayAgainRequestSchema>;

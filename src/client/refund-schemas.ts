import { z } from 'zod';
import { MAX_AMOUNT } from '../domain/money';
import { AUTO_REFUND_PREFIX, isReservedOutRefundNo, REFUND_ID } from '../domain/refund';
import { text } from './text-schemas';

/** Request schemas of refunds: runtime validation for the typed client and the HTTP edge, and the OpenAPI document. */
export const CreateRefundRequestSchema = z.object({
  outRefundNo: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]')
    .refine(
      (s) => !isReservedOutRefundNo(s),
      `must not start with "${AUTO_REFUND_PREFIX}" (automatic refunds)`,
    ),
  amount: z
    .number()
    .int('must be an integer number of minor units')
    .min(1, 'must be at least 1')
    .max(MAX_AMOUNT, `must not exceed ${MAX_AMOUNT}`),
  reason: text({ max: 256 }).optional(),
});
export type CreateRefundRequest = z.input<typeof CreateRefundRequestSchema>;

export const PaymentIdSchema = z.string().regex(/^pay_[0-9a-f]{32}$/, 'must be a payment id (pay_…)');
export const RefundIdSchema = z.string().regex(REFUND_ID, 'must be a refund id (ref_…)');

import { z } from 'zod';
import { ATTEMPT_STATUSES, CLOSE_REASONS, PAYMENT_STATUSES } from '../domain/payment-status';

/** Response shapes for the OpenAPI document; the service's answers are checked against them on the way out. */
export const AttemptSchema = z.object({
  attemptNo: z.number().int(),
  channel: z.string(),
  channelOutTradeNo: z.string(),
  channelTradeNo: z.string().nullable(),
  status: z.enum(ATTEMPT_STATUSES),
  code: z.string().nullable(),
  message: z.string().nullable(),
});

export const PaymentSchema = z.object({
  id: z.string(),
  merchantId: z.string(),
  outTradeNo: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  subject: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  closeReason: z.enum(CLOSE_REASONS).nullable(),
  orderDeadline: z.string(),
  expiresAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  paidAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  refundedAmount: z.number().int(),
  attempts: z.array(AttemptSchema),
  nextAction: z.object({ type: z.enum(['redirect', 'qr_code']), url: z.string() }).nullable(),
  metadata: z.record(z.string(), z.unknown()),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  422: ProblemSchema,
  503: ProblemSchema,
};

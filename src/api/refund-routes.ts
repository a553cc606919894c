import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RefundClient } from '../client/refund-client';
import { CreateRefundRequestSchema } from '../client/refund-schemas';
import { REFUND_STATUSES } from '../domain/refund';
import { merchantOf, readScope } from './auth';
import { idParams, idShape, notFound } from './path-ids';
import { problemResponses } from './response-schemas';

/** The refund object of contract section 5, exactly. */
export const RefundSchema = z.object({
  id: z.string(),
  paymentId: z.string(),
  outRefundNo: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.string().nullable(),
  status: z.enum(REFUND_STATUSES),
  code: z.string().nullable(),
  createdAt: z.string(),
  succeededAt: z.string().nullable(),
});

/** `GET /v1/payments/{id}/refunds`: the payment's refunds, oldest first, merchant and automatic ones alike. */
export const RefundListSchema = z.object({ refunds: z.array(RefundSchema) });

const security = [{ bearerAuth: [] }];

/**
 * Contract section 5, refunds. A refund is recorded (amount reserved) before its workflow starts, so a
 * 201/200 answer means "recorded, PROCESSING"; the final status comes from GET or the merchant notification.
 */
export function registerRefundRoutes(app: FastifyInstance, refunds: RefundClient): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/payments/:id/refunds',
    {
      preValidation: idShape('payment'),
      schema: {
        summary: 'Refund a succeeded payment, in full or in part (idempotent on outRefundNo)',
        tags: ['refunds'],
        security,
        params: idParams('payment'),
        body: CreateRefundRequestSchema,
        response: { 200: RefundSchema, 201: RefundSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { refund, created } = await refunds.create(merchantOf(req), req.params.id, req.body);
      if (!created) reply.header('Idempotent-Replayed', 'true');
      return reply.code(created ? 201 : 200).send(refund);
    },
  );

  r.get(
    '/v1/payments/:id/refunds',
    {
      preValidation: idShape('payment'),
      schema: {
        summary: "List a payment's refunds (merchant: its own; operator, admin: any)",
        tags: ['refunds'],
        security,
        params: idParams('payment'),
        response: { 200: RefundListSchema, ...problemResponses },
      },
    },
    async (req) => {
      const list = await refunds.refunds.listForPayment(req.params.id, readScope(req));
      if (!list) throw notFound('payment', req.params.id);
      return { refunds: list.map((x) => x.view) };
    },
  );

  r.get(
    '/v1/refunds/:id',
    {
      preValidation: idShape('refund'),
      schema: {
        summary: 'Get a refund (merchant: its own; operator, admin: any)',
        tags: ['refunds'],
        security,
        params: idParams('refund'),
        response: { 200: RefundSchema, ...problemResponses },
      },
    },
    async (req) => {
      const found = await refunds.refunds.findById(req.params.id, readScope(req));
      if (!found) throw notFound('refund', req.params.id);
      return found.view;
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreatePaymentRequestSchema, PayAgainRequestSchema } from '../client/payment-schemas';
import type { PaymentClient } from '../client/payment-client';
import type { PaymentRepository } from '../db/payment-repository';
import { DomainError } from '../domain/domain-errors';
import type { PaymentView } from '../domain/payment';
import { merchantOf } from './auth';
import { PaymentSchema, problemResponses } from './response-schemas';

const IdParams = z.object({ id: z.string().regex(/^pay_[0-9a-f]{32}$/, 'must be a payment id (pay_…)') });
const security = [{ bearerAuth: [] }];

/** Contract section 2. Commands go through the typed client (the workflow is the only writer); reads come from PostgreSQL. */
export function registerPaymentRoutes(
  app: FastifyInstance,
  client: PaymentClient,
  payments: PaymentRepository,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const ownPayment = async (merchantId: string, id: string): Promise<PaymentView> => {
    const p = await payments.findById(id, merchantId);
    if (!p) throw new DomainError('NOT_FOUND', `payment ${id} not found`);
    return p;
  };

  r.post(
    '/v1/payments',
    {
      schema: {
        summary: 'Create a payment (idempotent on merchant + outTradeNo)',
        tags: ['payments'],
        security,
        body: CreatePaymentRequestSchema,
        response: { 200: PaymentSchema, 201: PaymentSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { payment, created } = await client.create(merchantOf(req), req.body);
      if (!created) reply.header('Idempotent-Replayed', 'true');
      return reply.code(created ? 201 : 200).send(payment);
    },
  );

  r.get(
    '/v1/payments/:id',
    {
      schema: {
        summary: 'Get a payment',
        tags: ['payments'],
        security,
        params: IdParams,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => ownPayment(merchantOf(req), req.params.id),
  );

  r.get(
    '/v1/payments',
    {
      schema: {
        summary: 'Find a payment by the order number',
        tags: ['payments'],
        security,
        querystring: z.object({
          outTradeNo: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]'),
        }),
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const p = await payments.findByOutTradeNo(merchantOf(req), req.query.outTradeNo);
      if (!p) throw new DomainError('NOT_FOUND', `no payment for outTradeNo ${req.query.outTradeNo}`);
      return p;
    },
  );

  r.post(
    '/v1/payments/:id/attempts',
    {
      schema: {
        summary: 'Pay again after a failed attempt',
        tags: ['payments'],
        security,
        params: IdParams,
        body: PayAgainRequestSchema.nullish(),
        response: { 202: PaymentSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const merchantId = merchantOf(req);
      const p = await ownPayment(merchantId, req.params.id);
      return reply.code(202).send(await client.payAgain(merchantId, p.outTradeNo, req.body ?? {}));
    },
  );

  r.post(
    '/v1/payments/:id/close',
    {
      schema: {
        summary: 'Close an unpaid payment (also at the channel)',
        tags: ['payments'],
        security,
        params: IdParams,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const merchantId = merchantOf(req);
      const p = await ownPayment(merchantId, req.params.id);
      return client.close(merchantId, p.outTradeNo);
    },
  );
}

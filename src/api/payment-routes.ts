import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreatePaymentRequestSchema, PayAgainRequestSchema } from '../client/payment-schemas';
import type { PaymentClient } from '../client/payment-client';
import { RequestValidationError } from '../client/validation-error';
import type { MerchantRepository } from '../db/merchant-repository';
import type { PaymentRepository } from '../db/payment-repository';
import { DomainError } from '../domain/domain-errors';
import type { PaymentView } from '../domain/payment';
import { merchantOf, readScope } from './auth';
import { idParams, idShape, notFound } from './path-ids';
import { PaymentSchema, problemResponses } from './response-schemas';

const IdParams = idParams('payment');
const security = [{ bearerAuth: [] }];
const OutTradeNo = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]');

/** Contract section 2. Commands go through the typed client (the workflow is the only writer); reads come from PostgreSQL. */
export function registerPaymentRoutes(
  app: FastifyInstance,
  client: PaymentClient,
  payments: PaymentRepository,
  merchants: MerchantRepository,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const visiblePayment = async (merchantId: string | undefined, id: string): Promise<PaymentView> => {
    const p = await payments.findById(id, merchantId);
    if (!p) throw notFound('payment', id);
    return p;
  };

  /** Contract section 2: a `channel`, when given, must be one of the merchant's own channel accounts. */
  const assertOwnChannel = async (merchantId: string, channel: string | undefined): Promise<void> => {
    if (channel === undefined) return;
    const merchant = await merchants.findMerchant(merchantId);
    if (!merchant?.channels.includes(channel)) {
      throw new RequestValidationError([
        { path: 'body.channel', message: "must be one of the merchant's own channel accounts" },
      ]);
    }
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
      const merchantId = merchantOf(req);
      await assertOwnChannel(merchantId, req.body.channel);
      const { payment, created } = await client.create(merchantId, req.body);
      if (!created) reply.header('Idempotent-Replayed', 'true');
      return reply.code(created ? 201 : 200).send(payment);
    },
  );

  r.get(
    '/v1/payments/:id',
    {
      preValidation: idShape('payment'),
      schema: {
        summary: 'Get a payment (merchant: its own; operator, admin: any)',
        tags: ['payments'],
        security,
        params: IdParams,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => visiblePayment(readScope(req), req.params.id),
  );

  r.get(
    '/v1/payments',
    {
      schema: {
        summary: 'Find a payment by the order number (operator, admin: with merchantId)',
        tags: ['payments'],
        security,
        querystring: z.object({
          outTradeNo: OutTradeNo,
          merchantId: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a merchant id')
            .optional(),
        }),
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const merchantId = readScope(req) ?? req.query.merchantId;
      if (merchantId === undefined) {
        throw new RequestValidationError([
          { path: 'querystring.merchantId', message: 'is required with an operator or admin key' },
        ]);
      }
      const p = await payments.findByOutTradeNo(merchantId, req.query.outTradeNo);
      if (!p) throw new DomainError('NOT_FOUND', `no payment for outTradeNo ${req.query.outTradeNo}`);
      return p;
    },
  );

  r.post(
    '/v1/payments/:id/attempts',
    {
      preValidation: idShape('payment'),
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
      const p = await visiblePayment(merchantId, req.params.id);
      await assertOwnChannel(merchantId, req.body?.channel);
      return reply.code(202).send(await client.payAgain(merchantId, p.outTradeNo, req.body ?? {}));
    },
  );

  r.post(
    '/v1/payments/:id/close',
    {
      preValidation: idShape('payment'),
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
      const p = await visiblePayment(merchantId, req.params.id);
      return client.close(merchantId, p.outTradeNo);
    },
  );
}

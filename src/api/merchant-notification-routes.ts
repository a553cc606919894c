import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { NotificationRepository } from '../db/merchant-notification-repository';
import { NOTIFICATION_TYPES } from '../domain/merchant-notification';
import { ReasonSchema } from '../client/text-schemas';
import { readScope } from './auth';
import { idParams, idShape, notFound } from './path-ids';
import { requireRole, roleHook } from './ops-auth';
import { problemResponses } from './response-schemas';

const security = [{ bearerAuth: [] }];
const EventIdParams = idParams('notification');
const PaymentIdParams = idParams('payment');
const ResendBody = z.object({ reason: ReasonSchema });

export const NotificationSchema = z.object({
  id: z.string(),
  type: z.enum(NOTIFICATION_TYPES),
  merchantId: z.string(),
  paymentId: z.string(),
  refundId: z.string().nullable(),
  status: z.enum(['PENDING', 'DELIVERED', 'DEAD']),
  notifyUrl: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  resendCount: z.number().int(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  deadAt: z.string().nullable(),
  payload: z.object({
    id: z.string(),
    type: z.enum(NOTIFICATION_TYPES),
    createdAt: z.string(),
    data: z.unknown(),
  }),
});

export const NotificationAttemptSchema = z.object({
  runNo: z.number().int(),
  attemptNo: z.number().int(),
  at: z.string(),
  notifyUrl: z.string(),
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  delivered: z.boolean(),
});

/**
 * Merchant notifications (contract sections 5 and 6): the merchant's view of its payment's events, the
 * operator's view of one event with every try, and the operator's resend. Delivery itself is the worker's
 * (outbox sweeper and delivery workflow); the resend only puts the event back to PENDING for a new run, and
 * records that in the audit log in the same transaction.
 */
export function registerNotificationRoutes(app: FastifyInstance, pool: Pool): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const notifications = new NotificationRepository(pool);

  r.post(
    '/v1/ops/notifications/:id/resend',
    {
      onRequest: roleHook('OPERATOR', 'ADMIN'),
      preValidation: idShape('notification'),
      schema: {
        summary: 'Deliver a merchant notification again (same event id and body)',
        tags: ['ops'],
        security,
        params: EventIdParams,
        body: ResendBody,
        response: { 202: NotificationSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const who = requireRole(req, 'OPERATOR', 'ADMIN');
      const done = await notifications.resend(
        req.params.id,
        { label: who.label, role: who.role },
        req.body.reason,
      );
      if (!done) throw notFound('notification', req.params.id);
      return reply.code(202).send(done.after);
    },
  );

  r.get(
    '/v1/ops/notifications/:id',
    {
      onRequest: roleHook('OPERATOR', 'ADMIN'),
      preValidation: idShape('notification'),
      schema: {
        summary: 'A merchant notification with every delivery try',
        tags: ['ops'],
        security,
        params: EventIdParams,
        response: {
          200: NotificationSchema.extend({ deliveryAttempts: z.array(NotificationAttemptSchema) }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const n = await notifications.findById(req.params.id);
      if (!n) throw notFound('notification', req.params.id);
      return { ...n, deliveryAttempts: await notifications.listAttempts(n.id) };
    },
  );

  r.get(
    '/v1/payments/:id/notifications',
    {
      preValidation: idShape('payment'),
      schema: {
        summary: 'The merchant notifications of a payment (merchant: its own; operator, admin: any)',
        tags: ['payments'],
        security,
        params: PaymentIdParams,
        response: { 200: z.object({ notifications: z.array(NotificationSchema) }), ...problemResponses },
      },
    },
    async (req) => {
      const own = await pool.query(
        'SELECT 1 FROM payments WHERE id = $1 AND ($2::text IS NULL OR merchant_id = $2)',
        [req.params.id, readScope(req) ?? null],
      );
      if (own.rowCount !== 1) throw notFound('payment', req.params.id);
      return { notifications: await notifications.listForPayment(req.params.id) };
    },
  );
}

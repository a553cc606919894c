import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { PaymentClient } from '../client/payment-client';
import type { RefundClient } from '../client/refund-client';
import { ReasonSchema } from '../client/text-schemas';
import { appendAudit } from '../db/audit-log';
import type { PaymentRepository } from '../db/payment-repository';
import { RefundRepository } from '../db/refund-repository';
import type { PaymentView } from '../domain/payment';
import { READ_ROLES, requireRole, roleHook, WRITE_ROLES } from './ops-auth';
import {
  DEFAULT_REFUND_STUCK_AFTER_MS,
  ExceptionsQuerySchema,
  ExceptionsSchema,
  listExceptions,
} from './ops-exceptions';
import { idParams, idShape, notFound } from './path-ids';
import { HttpProblem } from './problem';
import { RefundSchema } from './refund-routes';
import { PaymentSchema, problemResponses } from './response-schemas';

export const ReasonBody = z.object({ reason: ReasonSchema });
const security = [{ bearerAuth: [] }];

/**
 * Operator entries on payments (contract section 6). The workflow does the work (it is the only writer);
 * the route checks the role (an onRequest hook: before the body is read), and writes who, when, what and
 * the state before and after to the audit log.
 */
export function registerOpsPaymentRoutes(
  app: FastifyInstance,
  pool: Pool,
  client: PaymentClient,
  payments: PaymentRepository,
  refunds: RefundClient,
  opts: { refundStuckAfterMs?: number } = {},
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const refundRecords = new RefundRepository(pool);

  const refundInFull = async (p: PaymentView): Promise<PaymentView> => {
    const left = await refundRecords.refundableAmount(p.id);
    if (left > 0) {
      await refunds.create(p.merchantId, p.id, {
        outRefundNo: `cancel-${p.id.slice(4, 20)}`,
        amount: left,
        reason: 'OPERATOR_CANCELLED',
      });
    }
    return load(p.id);
  };

  const load = async (id: string): Promise<PaymentView> => {
    const p = await payments.findById(id);
    if (!p) throw notFound('payment', id);
    return p;
  };

  r.post(
    '/v1/ops/payments/:id/query',
    {
      onRequest: roleHook(...READ_ROLES),
      preValidation: idShape('payment'),
      schema: {
        summary: 'Ask the channel now and apply the answer',
        tags: ['ops'],
        security,
        params: idParams('payment'),
        body: ReasonBody,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, ...READ_ROLES);
      const before = await load(req.params.id);
      const after = await client.operatorQuery(before.merchantId, before.outTradeNo);
      await appendAudit(pool, {
        actor: who,
        action: 'payment.query',
        targetType: 'payment',
        targetId: before.id,
        reason: req.body.reason,
        before,
        after,
      });
      return after;
    },
  );

  r.post(
    '/v1/ops/payments/:id/cancel',
    {
      onRequest: roleHook(...WRITE_ROLES),
      preValidation: idShape('payment'),
      schema: {
        summary: 'Reverse at the channel: close if unpaid (admin)',
        tags: ['ops'],
        security,
        params: idParams('payment'),
        body: ReasonBody,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, ...WRITE_ROLES);
      const before = await load(req.params.id);
      // Paid: the reversal is a refund of everything not yet refunded, as its own durable refund.
      const after =
        before.status === 'SUCCEEDED'
          ? await refundInFull(before)
          : await client.operatorCancel(before.merchantId, before.outTradeNo);
      await appendAudit(pool, {
        actor: who,
        action: 'payment.cancel',
        targetType: 'payment',
        targetId: before.id,
        reason: req.body.reason,
        before,
        after,
      });
      return after;
    },
  );

  r.post(
    '/v1/ops/refunds/:id/retry',
    {
      onRequest: roleHook(...READ_ROLES),
      preValidation: idShape('refund'),
      schema: {
        summary: 'Send a FAILED refund again, with the same channel refund number',
        description: 'A refund that is not FAILED (PROCESSING or SUCCEEDED) answers 409 REFUND_NOT_FAILED.',
        tags: ['ops'],
        security,
        params: idParams('refund'),
        body: ReasonBody,
        response: { 200: RefundSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, ...READ_ROLES);
      const before = (await refundRecords.findById(req.params.id))?.view;
      if (!before) throw notFound('refund', req.params.id);
      if (before.status !== 'FAILED') {
        throw new HttpProblem(
          'REFUND_NOT_FAILED',
          `refund is ${before.status}: only a FAILED refund is retried`,
        );
      }
      const { refund, reopened } = await refunds.retryFailed(req.params.id, req.body.reason);
      if (!reopened) {
        // It stopped being FAILED between our read and the retry (a concurrent retry won): not ours to audit.
        throw new HttpProblem(
          'REFUND_NOT_FAILED',
          `refund is ${refund.status}: only a FAILED refund is retried`,
        );
      }
      await appendAudit(pool, {
        actor: who,
        action: 'refund.retry',
        targetType: 'refund',
        targetId: refund.id,
        reason: req.body.reason,
        before,
        after: refund,
      });
      return refund;
    },
  );

  r.get(
    '/v1/ops/exceptions',
    {
      onRequest: roleHook(...READ_ROLES),
      schema: {
        summary: 'Everything automation could not resolve, for operators (paged, newest first)',
        tags: ['ops'],
        security,
        querystring: ExceptionsQuerySchema,
        response: { 200: ExceptionsSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req, ...READ_ROLES);
      return listExceptions(pool, req.query, opts.refundStuckAfterMs ?? DEFAULT_REFUND_STUCK_AFTER_MS);
    },
  );
}

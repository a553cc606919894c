import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { PaymentClient } from '../client/payment-client';
import type { RefundClient } from '../client/refund-client';
import { appendAudit } from '../db/audit-log';
import type { PaymentRepository } from '../db/payment-repository';
import { RefundRepository } from '../db/refund-repository';
import { DomainError } from '../domain/domain-errors';
import type { PaymentView } from '../domain/payment';
import { requireRole } from './ops-auth';
import { ExceptionsSchema, listExceptions } from './ops-exceptions';
import { RefundSchema } from './refund-routes';
import { PaymentSchema, problemResponses } from './response-schemas';

const IdParams = z.object({ id: z.string().regex(/^pay_[0-9a-f]{32}$/, 'must be a payment id (pay_…)') });
export const ReasonBody = z.object({ reason: z.string().trim().min(3).max(500) });
const security = [{ bearerAuth: [] }];

/**
 * Operator entries on payments (contract section 6). The workflow does the work (it is the only writer);
 * the route checks the role, and writes who, when, what and the state before and after to the audit log.
 */
export function registerOpsPaymentRoutes(
  app: FastifyInstance,
  pool: Pool,
  client: PaymentClient,
  payments: PaymentRepository,
  refunds: RefundClient,
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
    if (!p) throw new DomainError('NOT_FOUND', `payment ${id} not found`);
    return p;
  };

  r.post(
    '/v1/ops/payments/:id/query',
    {
      schema: {
        summary: 'Ask the channel now and apply the answer',
        tags: ['ops'],
        security,
        params: IdParams,
        body: ReasonBody,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, 'OPERATOR', 'ADMIN');
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
      schema: {
        summary: 'Reverse at the channel: close if unpaid (admin)',
        tags: ['ops'],
        security,
        params: IdParams,
        body: ReasonBody,
        response: { 200: PaymentSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, 'ADMIN');
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
      schema: {
        summary: 'Send a FAILED refund again, with the same channel refund number',
        tags: ['ops'],
        security,
        params: z.object({ id: z.string().regex(/^ref_[0-9a-f]{32}$/, 'must be a refund id (ref_…)') }),
        body: ReasonBody,
        response: { 200: RefundSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, 'OPERATOR', 'ADMIN');
      const before = (await refundRecords.findById(req.params.id))?.view;
      if (!before) throw new DomainError('NOT_FOUND', `refund ${req.params.id} not found`);
      const { refund } = await refunds.retryFailed(req.params.id, req.body.reason);
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
      schema: {
        summary: 'Everything automation could not resolve, for operators',
        tags: ['ops'],
        security,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: ExceptionsSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req, 'OPERATOR', 'ADMIN');
      return listExceptions(pool, req.query.limit);
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { RequestValidationError } from '../client/validation-error';
import { AuditLog } from '../db/audit-log';
import { RetryRuleRepository } from '../db/retry-rule-repository';
import { DomainError } from '../domain/domain-errors';
import type { RetryRule } from '../domain/retry-rules/retry-rule';
import { READ_ROLES, requireRole, roleHook, WRITE_ROLES } from './ops-auth';
import { problemResponses } from './response-schemas';
import {
  AuditLogQuerySchema,
  AuditLogSchema,
  DeleteRetryRuleBodySchema,
  PutRetryRuleBodySchema,
  RetryRuleListSchema,
  RetryRuleSchema,
  RuleNoParamsSchema,
  RuleNoSchema,
} from './retry-rule-schemas';

const security = [{ bearerAuth: [] }];
const tags = ['ops'];

/**
 * Contract section 7 (retry rules: admins change them, operators read them) and the audit log of
 * section 6. Every change commits together with its audit entry. The role is checked in a route
 * onRequest hook, right after authentication and before the body is read, so a merchant key gets 403
 * on every ops path whatever it sends.
 */
export function registerRetryRuleRoutes(app: FastifyInstance, pool: Pool): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const rules = new RetryRuleRepository(pool);
  const auditLog = new AuditLog(pool);

  r.put(
    '/v1/ops/retry-rules/:ruleNo',
    {
      onRequest: roleHook(...WRITE_ROLES),
      schema: {
        summary: 'Create or replace a retry rule (admin)',
        description: 'Answers 201 with the rule when it is new, 200 when it replaced one. Audited.',
        tags,
        security,
        params: RuleNoParamsSchema,
        body: PutRetryRuleBodySchema,
        response: { 200: RetryRuleSchema, 201: RetryRuleSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const actor = requireRole(req, ...WRITE_ROLES);
      const { ruleNo } = req.params;
      const { reason, ruleNo: bodyRuleNo, ...fields } = req.body;
      if (bodyRuleNo !== undefined && bodyRuleNo !== ruleNo) {
        throw new RequestValidationError([
          { path: 'body.ruleNo', message: `must be the ruleNo of the path (${ruleNo}) or be left out` },
        ]);
      }
      const rule: RetryRule = { ruleNo, ...fields };
      const { after, created } = await rules.upsert(rule, { actor, reason: reason ?? null });
      return reply.code(created ? 201 : 200).send(after);
    },
  );

  r.get(
    '/v1/ops/retry-rules',
    {
      onRequest: roleHook(...READ_ROLES),
      schema: {
        summary: 'List the retry rules, enabled or not, by ruleNo (operator, admin)',
        tags,
        security,
        response: { 200: RetryRuleListSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req, ...READ_ROLES);
      return { rules: await rules.list() };
    },
  );

  r.delete(
    '/v1/ops/retry-rules/:ruleNo',
    {
      onRequest: roleHook(...WRITE_ROLES),
      preValidation: async (req) => {
        // DELETE names an existing rule: any other ruleNo, whatever its shape, names nothing (404).
        const { ruleNo } = req.params as { ruleNo?: string };
        if (!RuleNoSchema.safeParse(ruleNo).success)
          throw new DomainError('NOT_FOUND', 'retry rule not found');
      },
      schema: {
        summary: 'Disable a retry rule (admin)',
        description:
          'The rule is kept, disabled, and answered. Idempotent: disabling a disabled rule changes nothing and is not audited again. The body `{ "reason" }` is optional.',
        tags,
        security,
        params: z.object({ ruleNo: z.string() }),
        body: DeleteRetryRuleBodySchema,
        response: { 200: RetryRuleSchema, ...problemResponses },
      },
    },
    async (req) => {
      const actor = requireRole(req, ...WRITE_ROLES);
      const { ruleNo } = req.params;
      const change = await rules.disable(ruleNo, { actor, reason: req.body?.reason ?? null });
      if (!change) throw new DomainError('NOT_FOUND', `retry rule ${ruleNo} not found`);
      return change.after;
    },
  );

  r.get(
    '/v1/ops/audit-log',
    {
      onRequest: roleHook(...READ_ROLES),
      schema: {
        summary: 'Audit log of operator and admin changes, newest first (operator, admin)',
        tags,
        security,
        querystring: AuditLogQuerySchema,
        response: { 200: AuditLogSchema, ...problemResponses },
      },
    },
    async (req) => {
      requireRole(req, ...READ_ROLES);
      const { limit, offset, targetType, targetId } = req.query;
      return { entries: await auditLog.list(limit, offset, { targetType, targetId }) };
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { appendAudit } from '../db/audit-log';
import { findFundCheckRun } from '../db/fund-checks/fund-check-store';
import { runFundChecks, type FundCheckRun } from '../db/fund-checks/run-fund-checks';
import { DomainError } from '../domain/domain-errors';
import {
  isPrintableText,
  parseFundCheckSettings,
  type FundCheckSettings,
} from '../domain/fund-check-settings';
import { FUND_CHECK_NAMES } from '../domain/fund-checks';
import { requireRole, roleHook } from './ops-auth';
import { problemResponses } from './response-schemas';

const CheckName = z.enum(FUND_CHECK_NAMES as [string, ...string[]]);

export const FundCheckRunSchema = z.object({
  id: z.string(),
  checkedAt: z.string(),
  findings: z.array(
    z.object({
      check: CheckName,
      paymentId: z.string().nullable(),
      refundId: z.string().nullable(),
      detail: z.string(),
    }),
  ),
  // More than the contract asks: what each check looked at, so "no findings" is visibly not "nothing checked".
  checks: z.array(z.object({ check: CheckName, checked: z.number().int(), findings: z.number().int() })),
});

const FundCheckBody = z.object({
  reason: z
    .string()
    .trim()
    .min(3)
    .max(500)
    .refine(isPrintableText, 'must be printable text (no control characters)'),
});
const security = [{ bearerAuth: [] }];
const RUN_ID = /^fc_[0-9a-f]{32}$/;

function toAnswer(run: FundCheckRun): z.infer<typeof FundCheckRunSchema> {
  return { id: run.id, checkedAt: run.checkedAt, findings: run.findings, checks: run.tallies };
}

/**
 * Fund-safety checks on demand (contract section 8): operator or admin keys, a merchant key 403 before the
 * body is even read. Running them changes no money, so an operator may; the run is audited like every ops call.
 */
export function registerFundCheckRoutes(
  app: FastifyInstance,
  pool: Pool,
  settings: FundCheckSettings = parseFundCheckSettings(process.env),
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = roleHook('OPERATOR', 'ADMIN');

  r.post(
    '/v1/ops/fund-checks',
    {
      onRequest,
      schema: {
        summary: 'Run the fund-safety checks now and answer with their findings',
        tags: ['ops'],
        security,
        body: FundCheckBody,
        response: { 200: FundCheckRunSchema, ...problemResponses },
      },
    },
    async (req) => {
      const who = requireRole(req, 'OPERATOR', 'ADMIN');
      const run = await runFundChecks(pool, {
        settings,
        reason: req.body.reason,
        who: `${who.role}:${who.label}`,
      });
      await appendAudit(pool, {
        actor: who,
        action: 'fund_check.run',
        targetType: 'fund_check_run',
        targetId: run.id,
        reason: req.body.reason,
        before: null,
        after: { id: run.id, checkedAt: run.checkedAt, findings: run.findings.length, checks: run.tallies },
      });
      return toAnswer(run);
    },
  );

  r.get(
    '/v1/ops/fund-checks/:id',
    {
      onRequest,
      schema: {
        summary: 'A past fund-check run with its findings',
        tags: ['ops'],
        security,
        params: z.object({ id: z.string() }),
        response: { 200: FundCheckRunSchema, ...problemResponses },
      },
    },
    async (req) => {
      // Only a well-formed id is looked up; anything else names no run (and never reaches SQL as odd bytes).
      const run = RUN_ID.test(req.params.id) ? await findFundCheckRun(pool, req.params.id) : null;
      if (!run) throw new DomainError('NOT_FOUND', `fund-check run ${req.params.id} not found`);
      return toAnswer(run);
    },
  );
}

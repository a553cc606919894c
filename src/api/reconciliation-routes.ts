import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { PaymentClient } from '../client/payment-client';
import { appendAudit } from '../db/audit-log';
import { ReconciliationRepository } from '../db/reconciliation/run-repository';
import { DIFFERENCE_CSV_COLUMNS, differenceView, runView } from '../db/reconciliation/run-view';
import { DomainError } from '../domain/domain-errors';
import {
  beijingDayOf,
  DIFFERENCE_TYPES,
  isCalendarDay,
  RECON_WORKFLOW_TYPE,
  reconWorkflowId,
  RESOLUTIONS,
} from '../domain/reconciliation';
import { shownId } from './path-ids';
import { requireRole, roleHook } from './ops-auth';
import { problemResponses } from './response-schemas';

const security = [{ bearerAuth: [] }];
const DifferenceSchema = z.object({
  type: z.enum(DIFFERENCE_TYPES),
  paymentId: z.string().nullable(),
  refundId: z.string().nullable(),
  channelTradeNo: z.string().nullable(),
  channelOutTradeNo: z.string().nullable(),
  outRefundNo: z.string().nullable(),
  localAmount: z.number().int().nullable(),
  channelAmount: z.number().int().nullable(),
  resolution: z.enum(RESOLUTIONS),
  detail: z.string().nullable(),
});
const RunSchema = z.object({
  id: z.string(),
  channel: z.string(),
  billDate: z.string(),
  status: z.enum(['RUNNING', 'COMPLETED', 'FAILED']),
  progress: z.object({ rowsRead: z.number().int() }),
  summary: z.object({
    channelRows: z.number().int(),
    localRows: z.number().int(),
    matched: z.number().int(),
    differences: z.number().int(),
  }),
  differences: z.array(DifferenceSchema),
  reason: z.string().nullable(),
  rerunOf: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
/** A run id (`rec_` + 32 hex digits); any other shape names nothing: 404 before any query (contract section 1). */
const RUN_ID = /^rec_[0-9a-f]{32}$/;
const IdParams = z.object({
  id: z.string().describe(`a reconciliation run id, ${RUN_ID.source}; any other is 404`),
});

/**
 * Reconciliation runs (contract section 8). The run itself is a workflow on the worker; this starts it by
 * its type name (the API never imports workflow code) and reads runs from the record.
 */
export function registerReconciliationRoutes(
  app: FastifyInstance,
  deps: { pool: Pool; client: PaymentClient; channels: ChannelRegistry; taskQueue?: string },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const runs = new ReconciliationRepository(deps.pool);
  // The worker's task queue: the payment client's own (it is the queue every workflow of ours runs on).
  const taskQueue = deps.taskQueue ?? deps.client['taskQueue'];
  const StartBody = z.object({
    channel: z.string().refine((c) => deps.channels.has(c), 'must be a configured channel account'),
    billDate: z
      .string()
      .refine(isCalendarDay, 'must be a calendar day YYYY-MM-DD')
      .refine((d) => d <= beijingDayOf(new Date()), 'must not be in the future (Beijing time)'),
    reason: z.string().trim().min(3).max(500),
    rerun: z.boolean().optional(),
  });

  const load = async (id: string) => {
    const run = RUN_ID.test(id) ? await runs.find(id) : null;
    if (!run) throw new DomainError('NOT_FOUND', `reconciliation ${shownId(id)} not found`);
    return run;
  };

  r.post(
    '/v1/ops/reconciliations',
    {
      onRequest: roleHook('OPERATOR', 'ADMIN'),
      schema: {
        summary: "Reconcile a channel's daily bill (or answer the day's finished run)",
        tags: ['ops'],
        security,
        body: StartBody,
        response: { 200: RunSchema, 202: RunSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const who = requireRole(req, 'OPERATOR', 'ADMIN');
      const { channel, billDate, reason, rerun } = req.body;
      const day = await runs.forDay(channel, billDate);
      const latest = day.at(-1);
      if (latest && (!rerun || latest.status === 'RUNNING')) {
        const code = latest.status === 'RUNNING' ? 202 : 200;
        return reply.code(code).send(runView(latest, await runs.differences(latest.id)));
      }
      const rerunNo = rerun ? day.length : 0;
      const workflowId = reconWorkflowId(channel, billDate, rerunNo);
      const rerunOf = rerunNo > 0 && latest ? latest.id : null;
      const run = await runs.ensureRun({ workflowId, channel, billDate, reason, rerunOf });
      try {
        await deps.client.temporal.workflow.start(RECON_WORKFLOW_TYPE, {
          workflowId,
          taskQueue,
          args: [{ channel, billDate, reason, rerunOf }],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      const view = runView(run, []);
      await appendAudit(deps.pool, {
        actor: who,
        action: rerunOf ? 'reconciliation.rerun' : 'reconciliation.start',
        targetType: 'reconciliation',
        targetId: run.id,
        reason,
        before: latest ? runView(latest, []) : null,
        after: view,
      });
      return reply.code(202).send(view);
    },
  );

  r.get(
    '/v1/ops/reconciliations/:id',
    {
      onRequest: roleHook('OPERATOR', 'ADMIN'),
      schema: {
        summary: 'A reconciliation run: progress, summary and differences',
        tags: ['ops'],
        security,
        params: IdParams,
        response: { 200: RunSchema, ...problemResponses },
      },
    },
    async (req) => {
      const run = await load(req.params.id);
      return runView(run, await runs.differences(run.id));
    },
  );

  r.get(
    '/v1/ops/reconciliations/:id/differences',
    {
      onRequest: roleHook('OPERATOR', 'ADMIN'),
      schema: {
        summary: "A run's differences as JSON, or as CSV with Accept: text/csv",
        tags: ['ops'],
        security,
        params: IdParams,
      },
    },
    async (req, reply) => {
      const run = await load(req.params.id);
      const differences = (await runs.differences(run.id)).map(differenceView);
      if ((req.headers.accept ?? '').includes('text/csv')) {
        const csv = stringify(differences, { header: true, columns: DIFFERENCE_CSV_COLUMNS });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${run.id}-differences.csv"`)
          .send(csv);
      }
      return reply.send({ runId: run.id, differences });
    },
  );
}

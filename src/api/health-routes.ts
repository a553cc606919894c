import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DependencyMonitor } from './dependency-monitor';

const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  db: z.boolean(),
  temporal: z.boolean(),
});

/** Contract section 0: liveness and readiness, in the OpenAPI document like every other endpoint. */
export function registerHealthRoutes(app: FastifyInstance, monitor: DependencyMonitor): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: 200 while the process lives',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: 200 only when PostgreSQL and Temporal are reachable, else 503',
        tags: ['health'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      // Checked now, each bounded by the monitor's check timeout (1 s), so a probe never hangs.
      const { db, temporal } = await monitor.checkNow();
      const ready = db && temporal;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', db, temporal });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { PaymentClient } from '../client/payment-client';

export function registerHealthRoutes(app: FastifyInstance, pool: Pool, client: PaymentClient): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const [db, temporal] = await Promise.all([
      pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      client.temporal.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      ),
    ]);
    return reply
      .code(db && temporal ? 200 : 503)
      .send({ status: db && temporal ? 'ready' : 'not ready', db, temporal });
  });
}

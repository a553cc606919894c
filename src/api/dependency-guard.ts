import type { FastifyInstance } from 'fastify';
import { type DependencyMonitor, unavailable } from './dependency-monitor';

/** Answered whatever the dependencies: liveness, readiness (it reports them) and the API's documents. */
const NO_DEPENDENCY = ['/healthz', '/readyz', '/openapi.json', '/docs'];
const CHANNEL_NOTIFY = '/v1/channels/';

/**
 * Every other endpoint reads PostgreSQL (the API key first of all): while the monitor knows it is down,
 * the request is answered 503 at once, before auth. A channel's notify gets its `fail` (text/plain), never
 * problem+json. Temporal is not checked here: only the calls that need it are refused (DependencyMonitor.temporalCall).
 */
export function installDependencyGuard(
  app: FastifyInstance,
  monitor: DependencyMonitor,
  /** Channels whose notify answers are WeChat's JSON `{ code: "FAIL" }` rather than Alipay's `fail`. */
  jsonNotifyChannels: readonly string[] = [],
): void {
  app.addHook('onRequest', async (req, reply) => {
    if (monitor.isUp('db')) return;
    if (
      NO_DEPENDENCY.some((p) => req.url === p || req.url.startsWith(`${p}/`) || req.url.startsWith(`${p}?`))
    )
      return;
    if (req.url.startsWith(CHANNEL_NOTIFY)) {
      const channel = req.url.slice(CHANNEL_NOTIFY.length).split('/')[0] ?? '';
      if (jsonNotifyChannels.includes(channel))
        return reply.code(503).send({ code: 'FAIL', message: 'try again later' });
      return reply.code(503).type('text/plain').send('fail');
    }
    throw unavailable('PostgreSQL');
  });
}

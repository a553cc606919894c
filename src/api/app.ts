import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { PaymentClient } from '../client/payment-client';
import { RefundClient } from '../client/refund-client';
import { MerchantRepository } from '../db/merchant-repository';
import { NotificationInbox } from '../db/channel-notify-inbox';
import { PaymentRepository } from '../db/payment-repository';
import { installAuth } from './auth';
import { installDependencyGuard } from './dependency-guard';
import { DependencyMonitor } from './dependency-monitor';
import { registerFundCheckRoutes } from './fund-check-routes';
import { clientErrorHandler, frameworkErrorHandler, installEdgeHooks } from './edge';
import { registerHealthRoutes } from './health-routes';
import { registerNotificationRoutes } from './merchant-notification-routes';
import { registerNotifyRoutes } from './channel-notify-routes';
import { registerOpsPaymentRoutes } from './ops-payment-routes';
import { registerPaymentRoutes } from './payment-routes';
import { registerReconciliationRoutes } from './reconciliation-routes';
import { installErrorHandlers } from './problem';
import { registerRefundRoutes } from './refund-routes';
import { registerRetryRuleRoutes } from './retry-rule-routes';
import { registerWechatNotifyRoutes } from './wechat-notify-routes';

export interface ApiDeps {
  pool: Pool;
  client: PaymentClient;
  channels: ChannelRegistry;
  logger?: boolean;
  /** A refund PROCESSING longer than this is listed in /v1/ops/exceptions (default 1 h). */
  refundStuckAfterMs?: number;
  /**
   * Deadline of the Temporal calls made for one request. Default: TEMPORAL_CALL_DEADLINE_MS, else three
   * channel timeouts (CHANNEL_TIMEOUT_MS, 3 s) + 3 s, so a create whose first channel call is slow and
   * retried still answers; an unreachable Temporal is answered sooner, by the dependency monitor.
   */
  temporalCallDeadlineMs?: number;
}

const defaultCallDeadlineMs = (): number =>
  Number(process.env.TEMPORAL_CALL_DEADLINE_MS) ||
  3 * (Number(process.env.CHANNEL_TIMEOUT_MS) || 3_000) + 3_000;

export async function buildApi({
  pool,
  client,
  channels,
  logger = false,
  refundStuckAfterMs = Number(process.env.REFUND_STUCK_AFTER_MS) || undefined,
  temporalCallDeadlineMs = defaultCallDeadlineMs(),
}: ApiDeps): Promise<FastifyInstance> {
  const merchants = new MerchantRepository(pool);
  const app = Fastify({
    logger,
    bodyLimit: 256 * 1024,
    // Long path ids reach their route (and its 404), rather than a router error.
    routerOptions: { maxParamLength: 16 * 1024 },
    frameworkErrors: frameworkErrorHandler(merchants),
    clientErrorHandler,
    // A missing Host header is answered by our hook as problem+json, not by Node with an empty 400.
    http: { requireHostHeader: false },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  installEdgeHooks(app);
  const monitor = new DependencyMonitor(pool, client.temporal, { callDeadlineMs: temporalCallDeadlineMs });
  client.useCallScope((fn) => monitor.temporalCall(fn));
  monitor.start();
  app.addHook('onClose', async () => monitor.drain());
  installDependencyGuard(
    app,
    monitor,
    channels.names().filter((name) => 'verifyRawNotify' in channels.get(name)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Payment orchestration API', version: '1.0.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: (d) => optionalNullableBodies('openapiObject' in d ? d.openapiObject : d.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const payments = new PaymentRepository(pool);
  installAuth(app, merchants);
  registerHealthRoutes(app, monitor);
  registerPaymentRoutes(app, client, payments, merchants);
  const refunds = RefundClient.alongside(client, pool);
  registerRefundRoutes(app, refunds);
  registerOpsPaymentRoutes(app, pool, client, payments, refunds, { refundStuckAfterMs });
  registerRetryRuleRoutes(app, pool);
  await registerNotifyRoutes(app, { client, channels, inbox: new NotificationInbox(pool), payments });
  await registerWechatNotifyRoutes(app, { client, channels, inbox: new NotificationInbox(pool), payments });
  registerNotificationRoutes(app, pool);
  registerFundCheckRoutes(app, pool);
  registerReconciliationRoutes(app, { pool, client, channels });
  return app;
}

type Doc = { paths?: Record<string, Record<string, { requestBody?: RequestBody } | undefined> | undefined> };
type RequestBody = { required?: boolean; content?: Record<string, { schema?: unknown }> };

const acceptsNull = (schema: unknown): boolean => {
  if (!schema || typeof schema !== 'object') return false;
  const s = schema as { nullable?: boolean; type?: unknown; anyOf?: unknown[]; oneOf?: unknown[] };
  if (s.nullable === true || s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null')))
    return true;
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(acceptsNull);
};

/** @fastify/swagger marks every body required; a body schema that accepts null (e.g. DELETE's `{ reason }`) is optional. */
function optionalNullableBodies<T>(doc: T): T {
  for (const ops of Object.values((doc as Doc).paths ?? {})) {
    for (const op of Object.values(ops ?? {})) {
      const body = op?.requestBody;
      if (body && Object.values(body.content ?? {}).some((m) => acceptsNull(m.schema))) body.required = false;
    }
  }
  return doc;
}

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { PaymentClient } from '../client/payment-client';
import { RefundClient } from '../client/refund-client';
import { MerchantRepository } from '../db/merchant-repository';
import { NotificationInbox } from '../db/notification-inbox';
import { PaymentRepository } from '../db/payment-repository';
import { installAuth } from './auth';
import { registerHealthRoutes } from './health-routes';
import { registerNotificationRoutes } from './notification-routes';
import { registerNotifyRoutes } from './notify-routes';
import { registerOpsPaymentRoutes } from './ops-payment-routes';
import { registerPaymentRoutes } from './payment-routes';
import { registerReconciliationRoutes } from './reconciliation-routes';
import { installErrorHandlers } from './problem';
import { registerRefundRoutes } from './refund-routes';
import { registerRetryRuleRoutes } from './retry-rule-routes';

export interface ApiDeps {
  pool: Pool;
  client: PaymentClient;
  channels: ChannelRegistry;
  logger?: boolean;
}

export async function buildApi({
  pool,
  client,
  channels,
  logger = false,
}: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger, bodyLimit: 256 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Payment orchestration API', version: '1.0.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const payments = new PaymentRepository(pool);
  installAuth(app, new MerchantRepository(pool));
  registerHealthRoutes(app, pool, client);
  registerPaymentRoutes(app, client, payments);
  const refunds = RefundClient.alongside(client, pool);
  registerRefundRoutes(app, refunds);
  registerOpsPaymentRoutes(app, pool, client, payments, refunds);
  registerRetryRuleRoutes(app, pool);
  await registerNotifyRoutes(app, { client, channels, inbox: new NotificationInbox(pool), payments });
  registerNotificationRoutes(app, pool);
  registerReconciliationRoutes(app, { pool, client, channels });
  return app;
}

import type { Pool } from 'pg';
import { MerchantRepository } from './merchant-repository';

export interface DemoKeys {
  merchantKey: string;
  merchant2Key: string;
  operatorKey: string;
  adminKey: string;
  notifySecret: string;
}

export const DEFAULT_DEMO_KEYS: DemoKeys = {
  merchantKey: 'sk_test_demo_merchant',
  merchant2Key: 'sk_test_demo2_merchant',
  operatorKey: 'sk_test_demo_operator',
  adminKey: 'sk_test_demo_admin',
  notifySecret: 'whsec_test_demo',
};

export function demoKeysFromEnv(env: NodeJS.ProcessEnv): DemoKeys {
  return {
    merchantKey: env.DEMO_MERCHANT_KEY ?? DEFAULT_DEMO_KEYS.merchantKey,
    merchant2Key: env.DEMO_MERCHANT2_KEY ?? DEFAULT_DEMO_KEYS.merchant2Key,
    operatorKey: env.DEMO_OPERATOR_KEY ?? DEFAULT_DEMO_KEYS.operatorKey,
    adminKey: env.DEMO_ADMIN_KEY ?? DEFAULT_DEMO_KEYS.adminKey,
    notifySecret: env.DEMO_NOTIFY_SECRET ?? DEFAULT_DEMO_KEYS.notifySecret,
  };
}

/** Seeds the local stack's demo merchants and keys (contract section 0). Refused in production. */
export async function seedDemo(pool: Pool, keys: DemoKeys, nodeEnv = process.env.NODE_ENV): Promise<void> {
  if (nodeEnv === 'production') {
    throw new Error('refusing to seed demo merchants and keys with NODE_ENV=production');
  }
  const merchants = new MerchantRepository(pool);
  // sandbox_wechat last: a payment uses it when it asks, and automatic retries still go sandbox → sandbox_backup.
  const routes = ['sandbox', 'sandbox_backup', 'sandbox_wechat'];
  await merchants.upsertMerchant({
    id: 'm_demo',
    name: 'Demo merchant',
    industry: 'retail',
    notifySecret: keys.notifySecret,
    channels: routes,
  });
  await merchants.upsertMerchant({
    id: 'm_demo2',
    name: 'Second demo merchant',
    industry: 'retail',
    notifySecret: keys.notifySecret,
    channels: routes,
  });
  await merchants.upsertApiKey(keys.merchantKey, 'MERCHANT', 'm_demo', 'demo merchant key');
  await merchants.upsertApiKey(keys.merchant2Key, 'MERCHANT', 'm_demo2', 'second demo merchant key');
  await merchants.upsertApiKey(keys.operatorKey, 'OPERATOR', null, 'demo operator key');
  await merchants.upsertApiKey(keys.adminKey, 'ADMIN', null, 'demo admin key');
}

/** A production deployment must never run with the published demo keys: refuse if any is still accepted. */
export async function assertNoDemoKeysInProduction(
  pool: Pool,
  nodeEnv = process.env.NODE_ENV,
): Promise<void> {
  if (nodeEnv !== 'production') return;
  const merchants = new MerchantRepository(pool);
  const published = [
    DEFAULT_DEMO_KEYS.merchantKey,
    DEFAULT_DEMO_KEYS.merchant2Key,
    DEFAULT_DEMO_KEYS.operatorKey,
    DEFAULT_DEMO_KEYS.adminKey,
  ];
  for (const key of published) {
    if (await merchants.authenticate(key)) {
      throw new Error('refusing to start: a published demo API key is active and NODE_ENV=production');
    }
  }
}

import { z } from 'zod';

/** Process configuration from the environment, validated at start: a wrong value stops start-up with its name. */
const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  DATA_DIR: z.string().default('.data'),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(3100),
  SANDBOX_URL: z.string().url().optional(),
  /** Where channels send notifies: this API's public base URL. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** JSON file of channel accounts (real Alipay accounts); the local stack uses the sandbox accounts. */
  CHANNEL_ACCOUNTS_FILE: z.string().optional(),
  CHANNEL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  PAYMENT_GRACE_MS: z.coerce.number().int().min(0).optional(),
  PAYMENT_POLL_INITIAL_MS: z.coerce.number().int().min(100).optional(),
  PAYMENT_POLL_MAX_MS: z.coerce.number().int().min(100).optional(),
});

export type AppConfig = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function workflowOptionsFrom(c: AppConfig) {
  return {
    ...(c.PAYMENT_GRACE_MS !== undefined ? { graceMs: c.PAYMENT_GRACE_MS } : {}),
    ...(c.PAYMENT_POLL_INITIAL_MS !== undefined ? { pollInitialMs: c.PAYMENT_POLL_INITIAL_MS } : {}),
    ...(c.PAYMENT_POLL_MAX_MS !== undefined ? { pollMaxMs: c.PAYMENT_POLL_MAX_MS } : {}),
  };
}

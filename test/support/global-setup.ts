/**
 * Integration-test global setup: one PostgreSQL, one Temporal dev server and one workflow bundle per
 * jest run, shared by every test file; connection details go to process.env (see test-env.ts).
 * DATABASE_URL / TEMPORAL_ADDRESS, when already set, point the tests at existing servers instead.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { startPostgres, type PostgresServer } from '../../scripts/lib/postgres';
import { errorMessage, freePort } from '../../scripts/lib/proc';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import {
  registerSearchAttributes,
  startTemporalDevServer,
  type DevServer,
} from '../../scripts/lib/temporal-dev-server';
import { cleanStaleRuns, runLayout, runsRoot } from './run-state';

/** Handles for global-teardown.ts, which jest runs in this same process. */
export interface RunningInfra {
  runDir: string;
  postgres?: PostgresServer;
  temporal?: DevServer;
}
export const INFRA_KEY = Symbol.for('payment-orchestrator.integration-infra');
type GlobalWithInfra = typeof globalThis & { [INFRA_KEY]?: RunningInfra };

const log = (message: string): void => console.log(`[integration setup] ${message}`);

async function startTemporal(layout: ReturnType<typeof runLayout>): Promise<DevServer | undefined> {
  if (process.env.TEMPORAL_ADDRESS) {
    await registerSearchAttributes(process.env.TEMPORAL_ADDRESS);
    return undefined;
  }
  const cliPath = await resolveTemporalCli();
  const [port, uiPort] = [await freePort(), await freePort()];
  const server = await startTemporalDevServer({
    cliPath,
    port,
    uiPort,
    dbFilename: layout.temporalDbFile,
    logFile: layout.temporalLogFile,
  });
  await fs.writeFile(layout.temporalPidFile, String(server.process.pid));
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_CLI_PATH: cliPath,
    TEST_TEMPORAL_DB_FILE: layout.temporalDbFile,
    TEST_TEMPORAL_UI_PORT: String(uiPort),
    TEST_TEMPORAL_PID_FILE: layout.temporalPidFile,
    TEST_TEMPORAL_LOG_FILE: layout.temporalLogFile,
  });
  return server;
}

async function bundleWorkflows(outFile: string): Promise<void> {
  const workflowsPath = path.resolve(__dirname, '../../src/workflows/index.ts');
  if (!existsSync(workflowsPath)) {
    log(`no ${workflowsPath} yet: TEST_WORKFLOW_BUNDLE not set`);
    return;
  }
  // Loaded lazily: the bundler pulls in webpack, which the missing-workflows case does not need.
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  await fs.writeFile(outFile, code);
  process.env.TEST_WORKFLOW_BUNDLE = outFile;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  await cleanStaleRuns();
  const layout = runLayout(path.join(runsRoot(), String(process.pid)));
  await fs.rm(layout.runDir, { recursive: true, force: true });
  await fs.mkdir(layout.runDir, { recursive: true });
  const infra: RunningInfra = { runDir: layout.runDir };
  (globalThis as GlobalWithInfra)[INFRA_KEY] = infra;
  process.env.TEST_RUN_DIR = layout.runDir;

  // Independent and each mostly waiting (downloads, server start-up), so run them together.
  const [pg, temporal, bundle] = await Promise.allSettled([
    freePort().then((port) => startPostgres({ dataDir: layout.pgDataDir, port, ephemeral: true })),
    startTemporal(layout),
    bundleWorkflows(layout.workflowBundle),
  ]);
  if (pg.status === 'fulfilled') infra.postgres = pg.value;
  if (temporal.status === 'fulfilled') infra.temporal = temporal.value;
  const failures = [pg, temporal, bundle].filter((r) => r.status === 'rejected');
  if (failures.length > 0) {
    // Jest skips the teardown when the setup throws, so stop what did start here.
    await Promise.all([infra.postgres?.stop(), infra.temporal?.stop()]);
    throw new Error(failures.map((f) => errorMessage(f.reason)).join('\n\n'));
  }
  if (infra.postgres) process.env.DATABASE_URL = infra.postgres.url;
  log(
    `ready in ${Date.now() - started} ms: DATABASE_URL=${process.env.DATABASE_URL} ` +
      `TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}`,
  );
}

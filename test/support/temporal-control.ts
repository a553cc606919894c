/**
 * Stop and start the run's shared Temporal dev server from a test (e.g. to check that workflows
 * survive a server outage). The server keeps its port and SQLite file, so clients reconnect and
 * workflows resume. The pid file, not a process handle, identifies the server, because the test runs
 * in a jest worker while the setup ran in the parent.
 */
import { promises as fs } from 'node:fs';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';
import { killFromPidFile } from './run-state';
import { testEnv } from './test-env';

function ownedServer() {
  const env = testEnv();
  const { temporalCliPath, temporalDbFile, temporalUiPort, temporalPidFile } = env;
  if (!temporalCliPath || !temporalDbFile || !temporalUiPort || !temporalPidFile) {
    throw new Error(
      'this run does not own a Temporal dev server (TEMPORAL_ADDRESS was given), so it cannot restart it',
    );
  }
  const [ip = '127.0.0.1', port = '7233'] = env.temporalAddress.split(':');
  return {
    cliPath: temporalCliPath,
    dbFilename: temporalDbFile,
    uiPort: temporalUiPort,
    pidFile: temporalPidFile,
    ip,
    port: Number(port),
  };
}

export async function stopTestTemporal(): Promise<void> {
  await killFromPidFile(ownedServer().pidFile, 'start-dev');
}

export async function startTestTemporal(): Promise<void> {
  const server = ownedServer();
  const started = await startTemporalDevServer({
    cliPath: server.cliPath,
    ip: server.ip,
    port: server.port,
    uiPort: server.uiPort,
    dbFilename: server.dbFilename,
    logFile: process.env.TEST_TEMPORAL_LOG_FILE ?? `${server.dbFilename}.log`,
    // Outlives this jest worker; the global teardown stops it through the pid file.
    background: true,
  });
  await fs.writeFile(server.pidFile, String(started.process.pid));
}

export async function restartTestTemporal(whileDown?: () => Promise<void>): Promise<void> {
  await stopTestTemporal();
  await whileDown?.();
  await startTestTemporal();
}

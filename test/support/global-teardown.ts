/** Stops what global-setup.ts started and removes the run's folder. */
import { promises as fs } from 'node:fs';
import { INFRA_KEY, type RunningInfra } from './global-setup';
import { killFromPidFile, runLayout } from './run-state';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as typeof globalThis & { [INFRA_KEY]?: RunningInfra })[INFRA_KEY];
  if (!infra) return;
  const layout = runLayout(infra.runDir);
  // A test may have restarted the dev server from its own process; the pid file names the current one.
  await Promise.all([
    infra.temporal?.stop(),
    killFromPidFile(layout.temporalPidFile, 'start-dev'),
    infra.postgres?.stop(),
  ]);
  await fs.rm(infra.runDir, { recursive: true, force: true });
}

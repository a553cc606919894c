import type { DrillStack } from './stack';
import { pick } from './prng';

export type ChaosKind = 'workerKill' | 'temporalRestart' | 'postgresRestart' | 'sandboxRestart' | 'apiDown';

/** A time a dependency of the API was away: a 503 then (and a little after) is the contract's answer. */
export interface DownWindow {
  kind: ChaosKind;
  from: number;
  to: number;
}

export const CHAOS_KINDS: readonly ChaosKind[] = [
  'workerKill',
  'temporalRestart',
  'postgresRestart',
  'sandboxRestart',
  'apiDown',
];

/** The moments of every kill and restart, drawn from the seed, spread over the load's middle. */
export function chaosPlan(
  random: () => number,
  durationMs: number,
  workerKills: number,
): { at: number; kind: ChaosKind }[] {
  const kinds: ChaosKind[] = [
    ...Array.from({ length: workerKills }, () => 'workerKill' as const),
    'temporalRestart',
    'postgresRestart',
    'sandboxRestart',
    'apiDown',
  ];
  // Shuffled, then one per slot (with a seeded jitter), so that no two overlap.
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const slot = (durationMs * 0.8) / kinds.length;
  return kinds.map((kind, i) => ({ at: durationMs * 0.1 + slot * (i + 0.2 + random() * 0.5), kind }));
}

/**
 * Does one kill or restart and says when the part was away. The sandbox is SIGKILLed (its journal must
 * hold); a worker is SIGKILLed and started again a moment later; the API is stopped while the channel
 * goes on notifying (its retries must deliver later); PostgreSQL and Temporal are stopped and started.
 */
export async function strike(
  stack: DrillStack,
  kind: ChaosKind,
  random: () => number,
  beforeSandboxKill: () => Promise<void>,
  afterSandboxStart: () => Promise<void>,
): Promise<DownWindow> {
  const from = Date.now();
  const downMs = 1000 + Math.floor(random() * 2000);
  const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  switch (kind) {
    case 'workerKill': {
      const worker = pick(random, stack.workers);
      await worker.kill();
      await wait(downMs);
      await worker.start();
      break;
    }
    case 'temporalRestart':
      await stack.restartTemporal(downMs);
      break;
    case 'postgresRestart':
      await stack.restartPostgres(downMs);
      break;
    case 'sandboxRestart':
      await beforeSandboxKill();
      await stack.sandbox.kill();
      await wait(downMs);
      await stack.sandbox.start();
      await afterSandboxStart();
      break;
    case 'apiDown':
      await stack.api.stop();
      await wait(downMs);
      await stack.api.start();
      break;
  }
  return { kind, from, to: Date.now() };
}

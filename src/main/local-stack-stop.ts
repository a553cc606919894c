// How `npm start` (local-stack.ts) stops its parts: in order, each bounded in time (see stop-steps.ts).
import type { Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { StopStep } from '../../scripts/lib/stop-steps';
import type { buildApi } from '../api/app';
import type { createPool } from '../db/pool';

/** Whatever has started so far; shutdown stops what is there. */
export interface Parts {
  app?: Awaited<ReturnType<typeof buildApi>>;
  worker?: { worker: Worker; running: Promise<void>; stop: () => Promise<void> };
  connection?: Connection;
  sandbox?: { close(): Promise<unknown> };
  pool?: ReturnType<typeof createPool>;
  temporal?: { stop(): Promise<void> };
  pg?: { stop(): Promise<void> };
}

/**
 * Listening stops first and the worker starts draining at once (an HTTP request waiting on an Update
 * may still get its answer from it); then what they used; the client connection last.
 */
export function stopStages(parts: Parts): StopStep[][] {
  const { app, worker, connection, sandbox, pool, temporal, pg } = parts;
  return [
    [
      {
        // No new requests; those in flight get a moment, then their connections are cut.
        name: 'HTTP API',
        timeoutMs: 2_000,
        run: async () => {
          if (!app) return;
          const closing = app.close();
          const cut = setTimeout(() => app.server.closeAllConnections(), 1_500);
          await closing.finally(() => clearTimeout(cut));
        },
      },
      // Drained in well under a second when idle; after a flood, its in-flight tasks take a few seconds.
      { name: 'worker', timeoutMs: 6_000, run: async () => worker?.stop() },
    ],
    [
      { name: 'sandbox channel', timeoutMs: 1_000, run: async () => sandbox?.close() },
      { name: 'database pool', timeoutMs: 1_000, run: async () => pool?.end() },
    ],
    [
      { name: 'Temporal dev server', timeoutMs: 4_000, run: async () => temporal?.stop() },
      { name: 'PostgreSQL', timeoutMs: 4_000, run: async () => pg?.stop() },
    ],
    // Last: an HTTP handler cut off above may still be retrying a call on it, and a call on a closed
    // channel throws from a timer ("Channel has been shut down").
    [{ name: 'Temporal client', timeoutMs: 500, run: async () => connection?.close() }],
  ];
}

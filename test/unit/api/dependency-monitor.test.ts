import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { DependencyMonitor } from '../../../src/api/dependency-monitor';
import { HttpProblem } from '../../../src/api/problem';

/** Fakes whose health the test switches; a hung Temporal never answers (like an unreachable server retried). */
function fakes() {
  const state = { db: true, temporal: true as boolean | 'hang' };
  const answer = (ok: boolean | 'hang') =>
    ok === 'hang'
      ? new Promise(() => undefined)
      : ok
        ? Promise.resolve({})
        : Promise.reject(new Error('down'));
  const pool = { query: () => answer(state.db) } as unknown as Pool;
  const temporal = {
    withDeadline: <T>(_d: number, fn: () => Promise<T>) => fn(),
    withAbortSignal: <T>(_s: AbortSignal, fn: () => Promise<T>) => fn(),
    workflowService: { getSystemInfo: () => answer(state.temporal) },
  } as unknown as Client;
  return { state, pool, temporal };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('one failed check is not an outage; two are; one success brings the dependency back', async () => {
  const { state, pool, temporal } = fakes();
  const m = new DependencyMonitor(pool, temporal, { callDeadlineMs: 10_000, checkTimeoutMs: 50 });
  state.db = false;
  await m.checkNow();
  expect(m.isUp('db')).toBe(true);
  await m.checkNow();
  expect(m.isUp('db')).toBe(false);
  expect(m.isUp('temporal')).toBe(true);
  state.db = true;
  await m.checkNow();
  expect(m.isUp('db')).toBe(true);
});

test('a Temporal call is refused at once while Temporal is known down, and runs again once it is back', async () => {
  const { state, pool, temporal } = fakes();
  const m = new DependencyMonitor(pool, temporal, { callDeadlineMs: 10_000, checkTimeoutMs: 50 });
  state.temporal = 'hang';
  await m.checkNow();
  await m.checkNow();
  const fn = jest.fn(async () => 'done');
  await expect(m.temporalCall(fn)).rejects.toBeInstanceOf(HttpProblem);
  expect(fn).not.toHaveBeenCalled();
  state.temporal = true;
  await m.checkNow();
  await expect(m.temporalCall(fn)).resolves.toBe('done');
});

test('a Temporal call in flight is answered 503 when the background checks find Temporal down', async () => {
  const { state, pool, temporal } = fakes();
  const m = new DependencyMonitor(pool, temporal, {
    callDeadlineMs: 10_000,
    checkTimeoutMs: 50,
    intervalMs: 20,
  });
  const started = Date.now();
  const call = m.temporalCall(() => new Promise<never>(() => undefined));
  state.temporal = 'hang';
  m.start();
  try {
    await expect(call).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_000);
  } finally {
    m.stop();
  }
  await sleep(100);
  expect(m.isUp('temporal')).toBe(false);
});

test('drain waits for the calls it answered 503 for, until the SDK gives each up (so the connection may close)', async () => {
  const { state, pool, temporal } = fakes();
  const m = new DependencyMonitor(pool, temporal, { callDeadlineMs: 10_000, checkTimeoutMs: 50 });
  let giveUp: (e: Error) => void = () => undefined;
  const call = m.temporalCall(() => new Promise<never>((_r, reject) => (giveUp = reject)));
  state.temporal = false;
  await m.checkNow();
  await m.checkNow();
  await expect(call).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  let drained = false;
  const draining = m.drain().then(() => (drained = true));
  await sleep(50);
  expect(drained).toBe(false);
  giveUp(new Error('deadline exceeded'));
  await draining;
  expect(drained).toBe(true);
});

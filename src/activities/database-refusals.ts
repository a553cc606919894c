import { ApplicationFailure } from '@temporalio/common';

/**
 * SQLSTATE classes no retry can heal: 22 data exception (a value the database refuses: a NUL byte 22021,
 * an untranslatable character 22P05, a date out of range 22008, …), 23 integrity constraint violation,
 * 42 syntax error or access rule violation (a configuration or code error).
 */
const NEVER_HEALS = new Set(['22', '23', '42']);

export function sqlStateOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * A database error that can never succeed on retry becomes a non-retryable ApplicationFailure (type
 * `type`, SQLSTATE in the message and details), so the workflow stops retrying and answers or fails in
 * front of an operator; anything else is rethrown as it is (retried: a lost connection heals).
 */
export function refuseForGood(err: unknown, type = 'DATABASE_REFUSED'): never {
  const state = sqlStateOf(err);
  if (state && NEVER_HEALS.has(state.slice(0, 2))) {
    throw ApplicationFailure.nonRetryable(
      `the database refused the write (SQLSTATE ${state}): ${(err as Error).message}`,
      type,
      { sqlState: state },
    );
  }
  throw err;
}

/** Wraps every function of an activity object with refuseForGood. */
export function withDatabaseRefusals<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        return refuseForGood(err);
      }
    };
  }
  return wrapped as T;
}

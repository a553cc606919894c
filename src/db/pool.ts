import { Pool, types } from 'pg';

// bigint (int8) columns hold money in minor units, always within Number.MAX_SAFE_INTEGER (amount <= 1e11).
types.setTypeParser(types.builtins.INT8, (v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} is not a safe integer`);
  return n;
});

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new Pool({ connectionString, max });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

export type { Pool, PoolClient } from 'pg';

import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The fault drill in small (README "Fault drills"): about 100 payments of every sandbox token, every
 * fault kind, one of each kill and restart, on its own stack of separate processes. Every invariant it
 * can check holds; those this build cannot check yet (an entry answering 404) are listed, never passed.
 */
// About 210 s on a quiet 2-core machine; the drill's own waits are bounded, so this only catches a hang.
jest.setTimeout(480_000);

interface DrillRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDrill(args: string[]): Promise<DrillRun> {
  const env = { ...process.env };
  // The drill brings its own PostgreSQL and Temporal, not the test run's.
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('scripts', 'drill', 'drill.ts'), ...args],
      {
        cwd: join(__dirname, '..', '..'),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The invariants table: `<invariant>  <checked>  <broken>`, or `<invariant>  not available on this build`. */
function invariants(stdout: string): { name: string; checked: number | null; broken: number }[] {
  const start = stdout.indexOf('invariant ');
  const rows: { name: string; checked: number | null; broken: number }[] = [];
  for (const line of stdout.slice(start).split('\n').slice(1)) {
    const counted = /^(\S.*?)\s+(\d+)\s+(\d+)$/.exec(line);
    const absent = /^(\S.*?)\s+not available on this build$/.exec(line);
    if (counted) rows.push({ name: counted[1]!, checked: Number(counted[2]), broken: Number(counted[3]) });
    else if (absent) rows.push({ name: absent[1]!, checked: null, broken: 0 });
  }
  return rows;
}

test('a short drill: every invariant it can check holds, with every fault, kill and restart', async () => {
  const run = await runDrill([
    '--payments',
    '100',
    '--seed',
    '7',
    '--duration',
    '50',
    '--deadline',
    '20',
    '--quiet',
  ]);
  const report = `${run.stdout}\n--- stderr (tail) ---\n${run.stderr.slice(-3000)}`;
  const rows = invariants(run.stdout);
  const notAvailable = rows.filter((row) => row.checked === null).map((row) => row.name);
  if (notAvailable.length > 0)
    console.log(`not available on this build (NOT checked): ${notAvailable.join('; ')}`);

  if (run.code !== 0) console.log(report);
  expect(run.code).toBe(0);
  expect(rows.length).toBeGreaterThanOrEqual(10);
  expect(rows.filter((row) => row.broken > 0)).toEqual([]);
  // The money invariants are always checkable, and checked over every payment.
  for (const name of ['money the channel kept', 'never two kept charges', 'refunds <= paid', 'final']) {
    const row = rows.find((r) => r.name.includes(name));
    expect(row?.checked).toBeGreaterThanOrEqual(100);
  }
  // One of each kill and restart, and every fault kind injected at least once.
  expect(run.stdout).toMatch(
    /workerKill [1-9]\d*, temporalRestart 1, postgresRestart 1, sandboxRestart 1, apiDown 1/,
  );
  const faults = /faults injected: (.*)/.exec(run.stdout)?.[1] ?? '';
  for (const kind of [
    'payError',
    'payTimeout',
    'queryError',
    'closeError',
    'refundError',
    'notifyLoss',
    'notifyDuplicate',
    'notifyReorder',
  ]) {
    expect(faults).toMatch(new RegExp(`${kind} [1-9]`));
  }
});

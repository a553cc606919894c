import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { env, type TestStack } from './test-stack';

/** A payment worker in its own OS process, so a test can SIGKILL it mid-payment. */
export function spawnWorker(
  stack: TestStack,
  opts: { entry?: string; env?: Record<string, string> } = {},
): ChildProcess {
  const root = join(__dirname, '..', '..', '..');
  const entry = opts.entry ?? join(root, 'src', 'main', 'worker.ts');
  // `node --import tsx` (not the tsx CLI, which forks a second process): SIGKILL must hit the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: {
      ...process.env,
      ...opts.env,
      DATABASE_URL: env('DATABASE_URL'),
      TEMPORAL_ADDRESS: env('TEMPORAL_ADDRESS'),
      TASK_QUEUE: stack.taskQueue,
      SANDBOX_URL: stack.sandboxUrl,
      PUBLIC_BASE_URL: stack.apiUrl,
      DATA_DIR: stack.dataDir,
      CHANNEL_TIMEOUT_MS: '2000',
      // The run's one workflow bundle: no second webpack build per worker start.
      ...(process.env.TEST_WORKFLOW_BUNDLE ? { WORKFLOW_BUNDLE: process.env.TEST_WORKFLOW_BUNDLE } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept for a failing run's post-mortem (git-ignored): the worker's own output.
  const logDir = join(root, '.data', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `worker-${stack.taskQueue}.log`), { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

export async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not print ${String(pattern)} in time`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      if (pattern.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

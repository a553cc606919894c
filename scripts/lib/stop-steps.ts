/**
 * Shutting a local stack down in a fixed order of stages, each part bounded in time, so Ctrl-C or
 * SIGTERM ends within a few seconds even when a part hangs (an HTTP request waiting on a workflow, a
 * worker still draining after a flood), and a process that started us dying ends us too.
 */
import { errorMessage } from './proc';

export interface StopStep {
  name: string;
  run: () => Promise<unknown>;
  /** After this long the step is reported and left behind (the next stage starts). */
  timeoutMs: number;
}

/** Steps quicker than this are not reported. */
const SLOW_MS = 1_000;

async function runStep(step: StopStep, log: (message: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), step.timeoutMs);
  });
  const started = Date.now();
  try {
    const outcome = await Promise.race([step.run().then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') log(`  ${step.name}: still busy after ${step.timeoutMs} ms, going on`);
    else if (Date.now() - started > SLOW_MS) log(`  ${step.name}: stopped in ${Date.now() - started} ms`);
  } catch (err) {
    log(`  ${step.name}: ${errorMessage(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the stages one after the other, the steps of a stage together; a failure or a timeout is reported, never fatal. */
export async function runStopStages(
  stages: ReadonlyArray<readonly StopStep[]>,
  log: (message: string) => void = (m) => console.error(m),
): Promise<void> {
  for (const stage of stages) await Promise.all(stage.map((step) => runStep(step, log)));
}

/**
 * Calls onGone once the process that started us has died (we are re-parented: our ppid changes). A
 * process manager, a test harness or a terminal may SIGKILL our launcher, which cannot pass anything on.
 */
export function watchParent(onGone: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

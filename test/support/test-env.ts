/**
 * What the integration global setup started, as test files see it. The setup passes everything
 * through process.env, which jest's workers (forked after the setup) and the in-band runner inherit.
 */

export interface TestEnv {
  databaseUrl: string;
  temporalAddress: string;
  /** Set when the run owns a dev server (not when TEMPORAL_ADDRESS pointed at an existing cluster). */
  temporalCliPath?: string;
  /** The dev server's SQLite file, so a restarted server keeps the run's workflows. */
  temporalDbFile?: string;
  temporalUiPort?: number;
  /** Where the current dev server's pid is kept, so any test process can stop or restart it. */
  temporalPidFile?: string;
  /** Workflow code bundled once per run; pass as `workflowBundle: { codePath }` to Worker.create. */
  workflowBundlePath?: string;
  /** This run's scratch folder (removed at teardown). */
  runDir?: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run integration tests through jest (npm test), whose global setup sets it`,
    );
  }
  return value;
}

const optional = (name: string): string | undefined => process.env[name] || undefined;

export function testEnv(): TestEnv {
  const uiPort = optional('TEST_TEMPORAL_UI_PORT');
  return {
    databaseUrl: required('DATABASE_URL'),
    temporalAddress: required('TEMPORAL_ADDRESS'),
    temporalCliPath: optional('TEMPORAL_CLI_PATH'),
    temporalDbFile: optional('TEST_TEMPORAL_DB_FILE'),
    temporalUiPort: uiPort ? Number(uiPort) : undefined,
    temporalPidFile: optional('TEST_TEMPORAL_PID_FILE'),
    workflowBundlePath: optional('TEST_WORKFLOW_BUNDLE'),
    runDir: optional('TEST_RUN_DIR'),
  };
}

let counter = 0;

/** A task queue no other test (file, worker process or earlier run on the same server) shares. */
export function uniqueTaskQueue(name: string): string {
  counter += 1;
  return `${name}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPostgres, type PostgresServer } from '../lib/postgres';
import { freePort } from '../lib/proc';
import { resolveTemporalCli } from '../lib/temporal-cli';
import { startTemporalDevServer, type DevServer } from '../lib/temporal-dev-server';
import { bundleToFile } from '../lib/workflow-bundle';
import { answers, logSays, ServiceProcess } from './child';

const ROOT = resolve(__dirname, '..', '..');

/**
 * The drill's own stack, as production runs it: embedded PostgreSQL and the Temporal dev server (on a
 * file database) as their own servers, and the sandbox, the API and two workers as separate Node
 * processes, on free ports in the drill's data folder. Each part can be killed or restarted.
 */
export class DrillStack {
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly workers: ServiceProcess[] = [];
  api!: ServiceProcess;
  sandbox!: ServiceProcess;
  private pg: PostgresServer | null = null;
  private temporal: DevServer | null = null;
  private databaseUrl = '';
  private peakWorkerRssKb = 0;

  private constructor(
    readonly dataDir: string,
    private readonly ports: { pg: number; temporal: number; ui: number; api: number; sandbox: number },
  ) {
    this.apiUrl = `http://127.0.0.1:${ports.api}`;
    this.sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
  }

  static async start(dataDir: string, log: (line: string) => void): Promise<DrillStack> {
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    const ports = {
      pg: await freePort(),
      temporal: await freePort(),
      ui: await freePort(),
      api: await freePort(),
      sandbox: await freePort(),
    };
    const stack = new DrillStack(dataDir, ports);
    log('bundling the workflow code and starting PostgreSQL and Temporal');
    const bundle = bundleToFile(
      require.resolve('../../src/workflows/index'),
      join(dataDir, 'workflow-bundle.js'),
    );
    bundle.catch(() => undefined);
    await Promise.all([stack.startPostgres(), stack.startTemporal()]);
    const env = stack.env(await bundle);
    const node = (name: string, entry: string, ready: (log: string) => Promise<boolean>): ServiceProcess =>
      new ServiceProcess(name, join(ROOT, entry), env, join(dataDir, 'logs'), ready);
    stack.sandbox = node('sandbox', 'src/channels/sandbox/main.ts', answers(`${stack.sandboxUrl}/healthz`));
    stack.api = node('api', 'src/main/api.ts', answers(`${stack.apiUrl}/healthz`));
    for (const n of [1, 2]) {
      stack.workers.push(node(`worker-${n}`, 'src/main/worker.ts', logSays('worker polling task queue')));
    }
    log('starting the sandbox, the API and two workers');
    await stack.sandbox.start();
    await stack.api.start();
    await Promise.all(stack.workers.map((worker) => worker.start()));
    return stack;
  }

  get database(): string {
    return this.databaseUrl;
  }

  async restartPostgres(downMs: number): Promise<void> {
    await this.pg?.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.startPostgres();
  }

  async restartTemporal(downMs: number): Promise<void> {
    await this.temporal?.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.startTemporal();
  }

  /** The highest resident set of any worker process seen so far (VmHWM: the peak of its life). */
  sampleWorkerRss(): number {
    for (const worker of this.workers) {
      if (worker.pid === null) continue;
      try {
        const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        this.peakWorkerRssKb = Math.max(this.peakWorkerRssKb, kb);
      } catch {
        // Gone between the check and the read (a kill): its last sample stands.
      }
    }
    return this.peakWorkerRssKb;
  }

  async stop(): Promise<void> {
    await this.api?.stop();
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await this.sandbox?.stop();
    await this.temporal?.stop();
    await this.pg?.stop();
  }

  private async startPostgres(): Promise<void> {
    // The drill's own server, even when the caller (a test run) has one in DATABASE_URL.
    delete process.env.DATABASE_URL;
    this.pg = await startPostgres({ dataDir: join(this.dataDir, 'postgres'), port: this.ports.pg });
    this.databaseUrl = this.pg.url;
  }

  private async startTemporal(): Promise<void> {
    this.temporal = await startTemporalDevServer({
      cliPath: await resolveTemporalCli(),
      port: this.ports.temporal,
      uiPort: this.ports.ui,
      dbFilename: join(this.dataDir, 'temporal.db'),
      logFile: join(this.dataDir, 'logs', 'temporal.log'),
    });
  }

  /** Every Node process's configuration (the contract's variables), and the drill's faster clocks. */
  private env(workflowBundle: string): NodeJS.ProcessEnv {
    const inherited = { ...process.env };
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SANDBOX_URL', 'PUBLIC_BASE_URL', 'PORT']) {
      delete inherited[name];
    }
    return {
      ...inherited,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(this.ports.api),
      DATA_DIR: this.dataDir,
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${this.ports.temporal}`,
      SANDBOX_PORT: String(this.ports.sandbox),
      SANDBOX_URL: this.sandboxUrl,
      PUBLIC_BASE_URL: this.apiUrl,
      WORKFLOW_BUNDLE: workflowBundle,
      CHANNEL_TIMEOUT_MS: '3000',
      PAYMENT_GRACE_MS: '10000',
      PAYMENT_POLL_INITIAL_MS: '1000',
      PAYMENT_POLL_MAX_MS: '3000',
      // Alipay's notify retries (4 min … 15 h) and ours (15 s … 6 h) a hundred and fifty times faster.
      SANDBOX_NOTIFY_SCALE: '0.01',
      MERCHANT_NOTIFY_SCHEDULE_SCALE: '0.02',
      REFUND_SWEEP_MS: '2000',
    };
  }
}

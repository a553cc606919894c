/** The integration infrastructure itself: what global setup provides, and the deployable compose file. */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { Client } from 'pg';
import { PAYMENT_SEARCH_ATTRIBUTES } from '../../../scripts/lib/temporal-dev-server';
import { composeRun, resolveDockerCompose, type ComposeCommand } from '../../support/docker-compose';
import { testEnv, uniqueTaskQueue } from '../../support/test-env';

const repoRoot = path.resolve(__dirname, '../../..');

describe('global setup', () => {
  it('starts a Temporal dev server with the payment search attributes', async () => {
    const connection = await Connection.connect({ address: testEnv().temporalAddress });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      for (const name of PAYMENT_SEARCH_ATTRIBUTES) expect(customAttributes?.[name]).toBeDefined();
    } finally {
      await connection.close();
    }
  });

  it('starts PostgreSQL', async () => {
    const client = new Client({ connectionString: testEnv().databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('bundles the workflows once, when there are workflows', () => {
    const hasWorkflows = existsSync(path.join(repoRoot, 'src/workflows/index.ts'));
    const bundle = testEnv().workflowBundlePath;
    expect(bundle !== undefined && existsSync(bundle)).toBe(hasWorkflows);
  });

  it('hands out distinct task queues', () => {
    expect(uniqueTaskQueue('infra')).not.toEqual(uniqueTaskQueue('infra'));
  });
});

describe('docker-compose.yml', () => {
  let compose: ComposeCommand;

  beforeAll(async () => {
    compose = await resolveDockerCompose();
  }, 10 * 60_000);

  it('is valid for `docker-compose config`', async () => {
    const result = await composeRun(compose, ['-f', 'docker-compose.yml', 'config'], repoRoot);
    if (result.code !== 0) throw new Error(`${compose.describe} config failed:\n${result.output}`);
    const services = await composeRun(
      compose,
      ['-f', 'docker-compose.yml', 'config', '--services'],
      repoRoot,
    );
    expect(services.output.split('\n').sort()).toEqual(
      [
        'api',
        'postgresql',
        'sandbox',
        'temporal',
        'temporal-search-attributes',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('rejects an invalid file, so the check above means something', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'compose-invalid-'));
    try {
      await fs.writeFile(path.join(dir, 'docker-compose.yml'), 'services:\n  api:\n    imagee: node:20\n');
      const result = await composeRun(compose, ['-f', 'docker-compose.yml', 'config'], dir);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/imagee/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporalDevServer, type DevServer } from '../../scripts/lib/temporal-dev-server';
import {
  eventually,
  env,
  freePort,
  inMinutes,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

// This test restarts its Temporal server, so it brings its own instead of the shared one.
let server: DevServer;
let stack: TestStack;
let port: number;
let uiPort: number;
const dbFilename = join(mkdtempSync(join(tmpdir(), 'temporal-restart-')), 'temporal.db');

const startServer = () =>
  startTemporalDevServer({ cliPath: env('TEMPORAL_CLI_PATH'), port, uiPort, dbFilename });

beforeAll(async () => {
  port = await freePort();
  uiPort = await freePort();
  server = await startServer();
  stack = await startTestStack({ taskQueue: `restart-${process.pid}`, temporalAddress: server.address });
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

test('the Temporal dev server restarted mid-payment (persisted with --db-filename): the payment completes exactly once', async () => {
  const created = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('restart'),
      amount: 1200,
      currency: 'CNY',
      subject: 'Lamp',
      orderDeadline: inMinutes(10),
      method: { type: 'bank_card', token: 'sim_success_no_notify' },
    },
  });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('PROCESSING');
  await server.stop();
  // While the server is down the buyer pays at the channel; only a query after the restart can tell.
  await new Promise((r) => setTimeout(r, 1_500));
  server = await startServer();
  const paid = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${created.body.id}`);
    return g.body.status === 'SUCCEEDED' ? g.body : undefined;
  }, 60_000);
  expect(paid.attempts).toHaveLength(1);
  const history = await stack.pool.query(
    "SELECT count(*) FROM payment_status_history WHERE payment_id = $1 AND attempt_no IS NULL AND to_status = 'SUCCEEDED'",
    [paid.id],
  );
  expect(Number(history.rows[0].count)).toBe(1);
  const wf = await stack.client.get('m_demo', created.body.outTradeNo);
  expect(wf?.status).toBe('SUCCEEDED');
});

import { ensureReconciliationSchedules, reconScheduleId } from '../../src/worker/recon-schedule';
import { listOpenReconciliationDifferences } from '../../src/db/reconciliation/open-differences';
import { OPERATOR_KEY_FOR_TESTS } from './support/reconciliation';
import { MERCHANT_KEY, startTestStack, type TestStack } from './support/test-stack';

/** The reconciliation API's refusals, its audit entry, the exceptions query, and the daily Schedules. */
describe('reconciliation API and schedule', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ taskQueue: `recon-api-${process.pid}`, worker: false });
  });
  afterAll(async () => stack?.stop());

  const post = (body: unknown, key: string | null = OPERATOR_KEY_FOR_TESTS) =>
    stack.api('POST', '/v1/ops/reconciliations', { key, body });
  const valid = { channel: 'sandbox', billDate: '2026-01-15', reason: 'api test' };

  test('who may start a run, and what a run request must say', async () => {
    expect((await post(valid, null)).status).toBe(401);
    expect((await post(valid, MERCHANT_KEY)).status).toBe(403);
    expect((await post({ ...valid, channel: 'nope' })).body).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect((await post({ ...valid, billDate: '2026-02-30' })).status).toBe(400);
    expect((await post({ ...valid, billDate: '2999-01-01' })).status).toBe(400);
    expect((await post({ ...valid, reason: '' })).status).toBe(400);
  });

  test('the endpoints are in the OpenAPI document', async () => {
    const doc = await stack.api('GET', '/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/ops/reconciliations',
        '/v1/ops/reconciliations/{id}',
        '/v1/ops/reconciliations/{id}/differences',
      ]),
    );
  });

  test('unknown run ids of any shape are 404', async () => {
    for (const id of ['rec_00000000000000000000000000000000', 'nothing', 'pay_x', 'a%00b', '%F0%9F%98%80']) {
      const r = await stack.api('GET', `/v1/ops/reconciliations/${id}`, { key: OPERATOR_KEY_FOR_TESTS });
      expect(r.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      const d = await stack.api('GET', `/v1/ops/reconciliations/${id}/differences`, {
        key: OPERATOR_KEY_FOR_TESTS,
      });
      expect(d.status).toBe(404);
    }
  });

  test('a start answers 202 with the run, writes the audit log; the same day again answers the same run', async () => {
    // No worker polls this test's queue: the run stays RUNNING, as a long one would.
    const billDate = '2026-01-16';
    const r = await post({ ...valid, channel: 'sandbox_backup', billDate });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      channel: 'sandbox_backup',
      billDate,
      status: 'RUNNING',
      progress: { rowsRead: 0 },
      summary: { channelRows: 0, localRows: 0, matched: 0, differences: 0 },
      differences: [],
    });
    expect(r.body.id).toMatch(/^rec_[0-9a-f]{32}$/);
    const again = await post({ ...valid, channel: 'sandbox_backup', billDate });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(r.body.id);
    const audit = await stack.pool.query(
      'SELECT action, actor_role, reason FROM audit_log WHERE target_id = $1',
      [r.body.id],
    );
    expect(audit.rows).toEqual([
      { action: 'reconciliation.start', actor_role: 'OPERATOR', reason: 'api test' },
    ]);
    const wf = await stack.client.temporal.workflow.getHandle(`recon-sandbox_backup-${billDate}`).describe();
    expect(wf.status.name).toBe('RUNNING');
    await stack.client.temporal.workflow.getHandle(`recon-sandbox_backup-${billDate}`).terminate('test over');
  });

  test('open differences in the exceptions shape come from the latest completed run of a day', async () => {
    const run = 'rec_' + 'e'.repeat(32);
    await stack.pool.query(
      `INSERT INTO reconciliation_runs (id, workflow_id, channel, bill_date, status, finished_at)
       VALUES ($1, 'recon-test-exc-' || $1, 'exc_channel', '2026-01-10', 'COMPLETED', now()) ON CONFLICT DO NOTHING`,
      [run],
    );
    await stack.pool.query(
      `INSERT INTO reconciliation_differences (run_id, difference_key, type, payment_id, local_amount, resolution)
       VALUES ($1, 'LOCAL_ONLY:attempt:x', 'LOCAL_ONLY', 'pay_exc', 100, 'OPEN'),
              ($1, 'CHANNEL_ONLY:pay:y', 'CHANNEL_ONLY', 'pay_fixed', NULL, 'AUTO_FIXED') ON CONFLICT DO NOTHING`,
      [run],
    );
    const open = (await listOpenReconciliationDifferences(stack.pool)).filter((e) => e.runId === run);
    expect(open).toEqual([
      expect.objectContaining({
        kind: 'RECONCILIATION_DIFFERENCE',
        type: 'LOCAL_ONLY',
        paymentId: 'pay_exc',
        billDate: '2026-01-10',
      }),
    ]);
  });

  test('the daily schedules are created once per channel and updated in place', async () => {
    const queue = `recon-sched-${process.pid}`;
    const ids = await ensureReconciliationSchedules(stack.client.temporal, ['sched_a', 'sched_b'], queue);
    expect(await ensureReconciliationSchedules(stack.client.temporal, ['sched_a', 'sched_b'], queue)).toEqual(
      ids,
    );
    try {
      const d = await stack.client.temporal.schedule.getHandle(reconScheduleId('sched_a')).describe();
      expect(d.spec.timezone).toBe('Asia/Shanghai');
      expect(d.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'reconciliationWorkflow',
        taskQueue: queue,
      });
      expect(d.action.type === 'startWorkflow' && d.action.args).toEqual([
        { channel: 'sched_a', reason: 'daily schedule' },
      ]);
    } finally {
      for (const id of ids) await stack.client.temporal.schedule.getHandle(id).delete();
    }
  });
});

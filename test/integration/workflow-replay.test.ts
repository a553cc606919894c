import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaymentClient } from '../../src/client/payment-client';
import { PaymentRepository } from '../../src/db/payment-repository';
import { channelOutTradeNo, paymentWorkflowId } from '../../src/domain/ids';
import {
  channelNotifySignal,
  LATE_MONEY_WORKFLOW_TYPE,
  lateMoneyWorkflowId,
} from '../../src/workflows/contract';
import {
  eventually,
  inMinutes,
  inSeconds,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

const FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `replay-${process.pid}`, workflowOptions: { graceMs: 1_000 } });
});
afterAll(async () => stack?.stop());

const replayOptions = () =>
  process.env.TEST_WORKFLOW_BUNDLE
    ? { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE } }
    : { workflowsPath: require.resolve('../../src/workflows/index') };

async function replayAll(histories: Array<{ workflowId: string; history: unknown }>): Promise<string[]> {
  const failures: string[] = [];

  for await (const r of Worker.runReplayHistories(replayOptions(), histories as any)) {
    if (r.error) failures.push(`${r.workflowId}: ${String(r.error)}`);
  }
  return failures;
}

test('histories recorded by earlier versions of the workflow still replay (determinism guard)', async () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.history.bin'));
  expect(files.length).toBeGreaterThan(0);
  const histories = files.map((f) => ({
    workflowId: f,
    history: temporal.api.history.v1.History.decode(readFileSync(join(FIXTURES, f))),
  }));
  expect(await replayAll(histories)).toEqual([]);
});

test('every path of the workflow run now replays deterministically', async () => {
  const scenarios: Record<string, Record<string, unknown>> = {
    success: { method: { type: 'bank_card', token: 'sim_success' } },
    'decline-then-pay-again': { method: { type: 'bank_card', token: 'sim_decline_system_error_once' } },
    'merchant-close': { method: { type: 'wallet', token: 'sim_never_pay' } },
    expiry: { method: { type: 'wallet', token: 'sim_never_pay' }, orderDeadline: inSeconds(3) },
    'unknown-then-query': { method: { type: 'bank_card', token: 'sim_timeout_then_success' } },
    'zero-amount': { amount: 0 },
  };
  const ids: Record<string, string> = {};
  for (const [name, extra] of Object.entries(scenarios)) {
    const outTradeNo = orderNo(`rp-${name}`);
    const r = await stack.api('POST', '/v1/payments', {
      body: {
        outTradeNo,
        amount: 500,
        currency: 'CNY',
        subject: name,
        orderDeadline: inMinutes(5),
        ...extra,
      },
    });
    expect(r.status).toBe(201);
    ids[name] = paymentWorkflowId('m_demo', outTradeNo);
    if (name === 'decline-then-pay-again')
      expect((await stack.api('POST', `/v1/payments/${r.body.id}/attempts`, { body: {} })).status).toBe(202);
    if (name === 'merchant-close')
      expect((await stack.api('POST', `/v1/payments/${r.body.id}/close`)).status).toBe(200);
  }
  // A payment that waits with polling compressed and a tiny history cap: it continues as new several times.
  const compressed = new PaymentClient(stack.client.temporal, {
    taskQueue: stack.taskQueue,
    workflowOptions: { graceMs: 1_000, pollInitialMs: 0, pollMaxMs: 0, maxHistoryEvents: 200 },
  });
  const longOrder = orderNo('rp-can');
  await compressed.create('m_demo', {
    outTradeNo: longOrder,
    amount: 500,
    currency: 'CNY',
    subject: 'continued-as-new',
    orderDeadline: inSeconds(5),
    method: { type: 'wallet', token: 'sim_never_pay' },
  });
  ids['continued-as-new-last-run'] = paymentWorkflowId('m_demo', longOrder);
  const firstRunId = (
    await stack.client.temporal.workflow.getHandle(ids['continued-as-new-last-run']).describe()
  ).runId;
  // The late-money workflow, for a payment on the record whose workflow is gone: a success reported for
  // its reversed attempt (not late money: no channel call, no refund).
  const lateId = await closedReversedPayment();
  await stack.client.temporal.workflow.signalWithStart(LATE_MONEY_WORKFLOW_TYPE, {
    workflowId: lateMoneyWorkflowId(lateId),
    taskQueue: stack.taskQueue,
    args: [{ paymentId: lateId }],
    signal: channelNotifySignal,
    signalArgs: [
      {
        channel: 'sandbox',
        channelOutTradeNo: channelOutTradeNo(lateId, 1),
        channelTradeNo: 'T-replay',
        status: 'PAID',
        amount: 500,
        paidAt: null,
        notifyId: `replay-${lateId}`,
      },
    ],
  });
  ids['late-money'] = lateMoneyWorkflowId(lateId);
  // Wait until every workflow has finished (final status plus its short grace window).
  for (const id of Object.values(ids)) {
    await eventually(
      async () =>
        (await stack.client.temporal.workflow.getHandle(id).describe()).status.name === 'COMPLETED'
          ? true
          : undefined,
      40_000,
      500,
    );
  }
  const histories = await Promise.all(
    Object.entries(ids).map(async ([name, workflowId]) => ({
      name,
      workflowId,
      history: await stack.client.temporal.workflow.getHandle(workflowId).fetchHistory(),
    })),
  );
  const firstRun = await stack.client.temporal.workflow
    .getHandle(ids['continued-as-new-last-run'], firstRunId)
    .fetchHistory();
  expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  histories.push({
    name: 'continued-as-new-first-run',
    workflowId: ids['continued-as-new-last-run'],
    history: firstRun,
  });
  expect(await replayAll(histories)).toEqual([]);
  if (process.env.RECORD_HISTORIES === '1') {
    for (const h of histories)
      writeFileSync(
        join(FIXTURES, `${h.name}.history.bin`),
        temporal.api.history.v1.History.encode(h.history).finish(),
      );
  }
});

async function closedReversedPayment(): Promise<string> {
  const payments = new PaymentRepository(stack.pool);
  const outTradeNo = orderNo('rp-late');
  const id = `pay_${Date.now().toString(16).padStart(32, 'b')}`;
  const at = () => new Date().toISOString();
  const deadline = inMinutes(5);
  await payments.insertPayment({
    merchantId: 'm_demo',
    outTradeNo,
    amount: 500,
    currency: 'CNY',
    subject: 'late-money',
    orderDeadline: deadline,
    transactionType: 'PURCHASE',
    source: 'ONLINE',
    metadata: {},
    id,
    workflowId: paymentWorkflowId('m_demo', outTradeNo),
    status: 'CREATED',
    expiresAt: deadline,
    at: at(),
  });
  await payments.applyStatusChange({
    paymentId: id,
    at: at(),
    reason: 'attempt started',
    payment: { from: 'CREATED', to: 'PROCESSING' },
    newAttempt: {
      attemptNo: 1,
      channel: 'sandbox',
      channelOutTradeNo: channelOutTradeNo(id, 1),
      method: null,
    },
  });
  await payments.applyStatusChange({
    paymentId: id,
    at: at(),
    reason: 'reversed',
    payment: { from: 'PROCESSING', to: 'CLOSED', closeReason: 'MERCHANT_CLOSED', closedAt: at() },
    attempt: { attemptNo: 1, from: 'PROCESSING', to: 'REVERSED' },
  });
  return id;
}

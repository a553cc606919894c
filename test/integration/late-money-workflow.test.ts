import { WithStartWorkflowOperation } from '@temporalio/client';
import { PaymentRepository } from '../../src/db/payment-repository';
import { RefundRepository } from '../../src/db/refund-repository';
import { channelOutTradeNo, paymentWorkflowId } from '../../src/domain/ids';
import type { AttemptStatus, PaymentStatus } from '../../src/domain/payment-status';
import {
  channelNotifySignal,
  LATE_MONEY_WORKFLOW_TYPE,
  lateMoneyWorkflowId,
  lateOperatorQueryUpdate,
  type ChannelNotice,
} from '../../src/workflows/contract';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
let payments: PaymentRepository;
let refunds: RefundRepository;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `late-${process.pid}` });
  payments = new PaymentRepository(stack.pool);
  refunds = new RefundRepository(stack.pool);
});
afterAll(async () => stack?.stop());

let seq = 0;
const at = () => new Date().toISOString();

/**
 * A payment as the record shows it long after its workflow ended: final status `payment`, one attempt
 * per entry of `attempts`. No payment workflow runs for it.
 */
async function recordedPayment(payment: PaymentStatus, attempts: AttemptStatus[], amount = 1500) {
  const outTradeNo = orderNo('late');
  const id = `pay_${(Date.now().toString(16) + (++seq).toString(16).padStart(4, '0')).padStart(32, 'a')}`;
  const deadline = inMinutes(10);
  await payments.insertPayment({
    merchantId: 'm_demo',
    outTradeNo,
    amount,
    currency: 'CNY',
    subject: 'Late',
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
  let from: PaymentStatus = 'CREATED';
  for (const [i, to] of attempts.entries()) {
    const attemptNo = i + 1;
    await payments.applyStatusChange({
      paymentId: id,
      at: at(),
      reason: 'attempt started',
      payment: from === 'PROCESSING' ? undefined : { from, to: 'PROCESSING' },
      newAttempt: {
        attemptNo,
        channel: 'sandbox',
        channelOutTradeNo: channelOutTradeNo(id, attemptNo),
        method: null,
      },
    });
    from = 'PROCESSING';
    await payments.applyStatusChange({
      paymentId: id,
      at: at(),
      reason: 'test',
      attempt: { attemptNo, from: 'PROCESSING', to },
    });
  }
  const closeReason = payment === 'CLOSED' ? ('MERCHANT_CLOSED' as const) : undefined;
  return payments.applyStatusChange({
    paymentId: id,
    at: at(),
    reason: 'test',
    payment: { from, to: payment, closeReason, paidAt: payment === 'SUCCEEDED' ? at() : undefined },
  });
}

// No notify from the channel: these tests deliver each notice themselves, so they decide what arrives.
/** The buyer's money really arrives at the channel for this trade (a delayed debit). */
async function paidAtChannel(outTradeNo: string, amount: number) {
  const sandbox = stack.channels.get('sandbox');
  await sandbox.pay({
    outTradeNo,
    amount,
    currency: 'CNY',
    subject: 'Late',
    expiresAt: new Date(Date.now() + 600_000),
    method: { type: 'bank_card', token: 'sim_success_no_notify' },
  });
  return eventually(async () => {
    const q = await sandbox.query(outTradeNo);
    return q.status === 'PAID' ? q : undefined;
  });
}

const notice = (outTradeNo: string, channelTradeNo: string, amount: number): ChannelNotice => ({
  channel: 'sandbox',
  channelOutTradeNo: outTradeNo,
  channelTradeNo,
  status: 'PAID',
  amount,
  paidAt: at(),
  notifyId: `n-${Date.now()}-${++seq}`,
});

async function signalLate(paymentId: string, n: ChannelNotice) {
  await stack.client.temporal.workflow.signalWithStart(LATE_MONEY_WORKFLOW_TYPE, {
    workflowId: lateMoneyWorkflowId(paymentId),
    taskQueue: stack.taskQueue,
    args: [{ paymentId }],
    signal: channelNotifySignal,
    signalArgs: [n],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

async function finished(paymentId: string) {
  await eventually(async () => {
    const d = await stack.client.temporal.workflow.getHandle(lateMoneyWorkflowId(paymentId)).describe();
    return d.status.name === 'COMPLETED' ? true : undefined;
  });
}

async function lateRows(paymentId: string) {
  return (
    await stack.pool.query('SELECT attempt_no, reason, amount FROM late_payments WHERE payment_id = $1', [
      paymentId,
    ])
  ).rows;
}

/** The automatic refund settles at the channel: the sandbox's books show it. */
async function refundedAtChannel(paymentId: string, attemptNo: number, outTradeNo: string, amount: number) {
  const refund = await eventually(async () => {
    const list = (await refunds.listForPayment(paymentId)) ?? [];
    const r = list.find((x) => x.attemptNo === attemptNo && x.view.status === 'SUCCEEDED');
    return r ?? undefined;
  }, 30_000);
  expect(refund.view.amount).toBe(amount);
  const books = await stack.channels.get('sandbox').refundQuery(outTradeNo, refund.outRequestNo);
  expect(books).toMatchObject({ status: 'SUCCEEDED', amount });
}

test('an operator query after the workflow ended finds money that arrived after a confirmed close: recorded once and refunded in full (update-with-start)', async () => {
  const p = await recordedPayment('CLOSED', ['CLOSED']);
  const trade = p.attempts[0]!.channelOutTradeNo;
  await paidAtChannel(trade, 1500);
  const ask = () =>
    stack.client.temporal.workflow.executeUpdateWithStart(lateOperatorQueryUpdate, {
      args: [],
      startWorkflowOperation: new WithStartWorkflowOperation(LATE_MONEY_WORKFLOW_TYPE, {
        workflowId: lateMoneyWorkflowId(p.id),
        taskQueue: stack.taskQueue,
        args: [{ paymentId: p.id }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }),
    });
  const answer = await ask();
  expect(answer).toMatchObject({ id: p.id, status: 'CLOSED' });
  expect(await lateRows(p.id)).toEqual([{ attempt_no: 1, reason: 'LATE_PAYMENT', amount: 1500 }]);
  await finished(p.id);
  // Asked again (a new run): the late row is on the record, nothing is recorded or refunded twice.
  await ask();
  await finished(p.id);
  expect(await lateRows(p.id)).toHaveLength(1);
  await refundedAtChannel(p.id, 1, trade, 1500);
  expect(((await refunds.listForPayment(p.id)) ?? []).length).toBe(1);
});

test('a late notify after the workflow ended (signal-with-start) is confirmed with the channel, recorded and refunded; its replay changes nothing', async () => {
  const p = await recordedPayment('CLOSED', ['CLOSED'], 1700);
  const trade = p.attempts[0]!.channelOutTradeNo;
  const q = await paidAtChannel(trade, 1700);
  const n = notice(trade, q.status === 'PAID' ? q.channelTradeNo : 'x', 1700);
  await signalLate(p.id, n);
  await signalLate(p.id, n);
  await eventually(async () => ((await lateRows(p.id)).length ? true : undefined));
  await finished(p.id);
  await signalLate(p.id, { ...n, notifyId: `${n.notifyId}-again` });
  await finished(p.id);
  expect(await lateRows(p.id)).toEqual([{ attempt_no: 1, reason: 'LATE_PAYMENT', amount: 1700 }]);
  await refundedAtChannel(p.id, 1, trade, 1700);
});

test('a success reported for a REVERSED attempt, or for a closed trade the channel reports closed, is not late money', async () => {
  const reversed = await recordedPayment('CLOSED', ['REVERSED']);
  await signalLate(reversed.id, notice(reversed.attempts[0]!.channelOutTradeNo, 'T-rev', 1500));
  await finished(reversed.id);
  expect(await lateRows(reversed.id)).toEqual([]);

  // The trade was never paid at the channel (it does not know it): a stale or forged notify.
  const closed = await recordedPayment('CLOSED', ['CLOSED']);
  await signalLate(closed.id, notice(closed.attempts[0]!.channelOutTradeNo, 'T-closed', 1500));
  await finished(closed.id);
  expect(await lateRows(closed.id)).toEqual([]);
});

test('a second success for a superseded attempt of a paid payment is a duplicate to refund; the winning one is not', async () => {
  const p = await recordedPayment('SUCCEEDED', ['FAILED', 'SUCCEEDED'], 900);
  const superseded = p.attempts[0]!.channelOutTradeNo;
  const q = await paidAtChannel(superseded, 900);
  await signalLate(p.id, notice(p.attempts[1]!.channelOutTradeNo, 'T-winner', 900));
  await finished(p.id);
  expect(await lateRows(p.id)).toEqual([]);
  await signalLate(p.id, notice(superseded, q.status === 'PAID' ? q.channelTradeNo : 'x', 900));
  await eventually(async () => ((await lateRows(p.id)).length ? true : undefined));
  expect(await lateRows(p.id)).toEqual([{ attempt_no: 1, reason: 'DUPLICATE_PAYMENT', amount: 900 }]);
  await refundedAtChannel(p.id, 1, superseded, 900);
});

test('an operator query for a payment the record does not have answers NOT_FOUND, and the run ends', async () => {
  const paymentId = `pay_${'0'.repeat(31)}1`;
  const err = await stack.client.temporal.workflow
    .executeUpdateWithStart(lateOperatorQueryUpdate, {
      args: [],
      startWorkflowOperation: new WithStartWorkflowOperation(LATE_MONEY_WORKFLOW_TYPE, {
        workflowId: lateMoneyWorkflowId(paymentId),
        taskQueue: stack.taskQueue,
        args: [{ paymentId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      }),
    })
    .catch((e: unknown) => e);
  expect((err as { cause?: { type?: string } }).cause?.type).toBe('NOT_FOUND');
  await eventually(async () => {
    const d = await stack.client.temporal.workflow.getHandle(lateMoneyWorkflowId(paymentId)).describe();
    return d.status.name === 'RUNNING' ? undefined : true;
  });
});

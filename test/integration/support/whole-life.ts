import { createSign } from 'node:crypto';
import { loadOrCreateSandboxKeys } from '../../../src/channels/sandbox/sandbox-keys';
import { paymentWorkflowId } from '../../../src/domain/ids';
import { LATE_MONEY_WORKFLOW_TYPE, lateMoneyWorkflowId } from '../../../src/workflows/contract';
import { eventually, orderNo, type TestStack } from './test-stack';

/** Helpers for tests of a payment after its workflow has ended (contract section 2, "A payment's whole life"). */

export interface PaidPayment {
  id: string;
  outTradeNo: string;
  workflowId: string;
  body: Record<string, unknown>;
  attempts: Array<{ channelOutTradeNo: string; channelTradeNo: string | null }>;
}

/** A payment created through the API with `token`, waited on until its status is `status`. */
export async function createPayment(
  stack: TestStack,
  o: { token: string; orderDeadline: string; status: string; amount?: number },
): Promise<PaidPayment> {
  const outTradeNo = orderNo('life');
  const body = {
    outTradeNo,
    amount: o.amount ?? 1999,
    currency: 'CNY',
    subject: 'Whole life',
    orderDeadline: o.orderDeadline,
    method: { type: 'bank_card', token: o.token },
  };
  const r = await stack.api('POST', '/v1/payments', { body });
  expect(r.status).toBe(201);
  const now = await eventually(async () => {
    const g = await stack.api('GET', `/v1/payments/${r.body.id}`);
    return g.body?.status === o.status ? g.body : undefined;
  }, 60_000);
  return {
    id: now.id,
    outTradeNo,
    workflowId: paymentWorkflowId('m_demo', outTradeNo),
    body,
    attempts: now.attempts,
  };
}

/** Waits until the workflow is closed (its grace window ended). */
export async function workflowClosed(
  stack: TestStack,
  workflowId: string,
  timeoutMs = 60_000,
): Promise<string> {
  return eventually(
    async () => {
      const d = await stack.client.temporal.workflow.getHandle(workflowId).describe();
      return d.status.name === 'RUNNING' ? undefined : d.status.name;
    },
    timeoutMs,
    250,
  );
}

/** null when Temporal has no such workflow (never started, or deleted). */
export async function describeOrNull(stack: TestStack, workflowId: string) {
  try {
    return await stack.client.temporal.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return null;
    throw err;
  }
}

/** What the namespace's retention does to a closed workflow, now: its execution and history are deleted. */
export async function deleteWorkflow(stack: TestStack, workflowId: string): Promise<void> {
  // Deletion is asynchronous on the server (and slow on a busy machine): ask again until it is gone.
  await eventually(
    async () => {
      if ((await describeOrNull(stack, workflowId)) === null) return true;
      await stack.client.temporal.workflowService.deleteWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId },
      });
      return undefined;
    },
    90_000,
    1_000,
  );
}

/** A notify signed with the sandbox channel's own key, as the channel would send it again (Alipay style). */
export function signedPaidNotify(
  stack: TestStack,
  o: { channelOutTradeNo: string; channelTradeNo: string; totalAmount: string },
): Record<string, string> {
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  const fields: Record<string, string> = {
    notify_id: `life-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    notify_time: '2026-11-21 12:00:00',
    notify_type: 'trade_status_sync',
    app_id: keys.appId,
    charset: 'utf-8',
    version: '1.0',
    out_trade_no: o.channelOutTradeNo,
    trade_no: o.channelTradeNo,
    trade_status: 'TRADE_SUCCESS',
    total_amount: o.totalAmount,
    gmt_payment: '2026-11-21 12:00:00',
  };
  const content = Object.keys(fields)
    .filter((k) => fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(keys.channelPrivateKeyPem, 'base64');
  return { ...fields, sign_type: 'RSA2', sign };
}

export async function postNotify(
  stack: TestStack,
  fields: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack.apiUrl}/v1/channels/sandbox/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text() };
}

/** The signals a workflow received, by name, from its history. */
export async function signalNames(stack: TestStack, workflowId: string): Promise<string[]> {
  const history = await stack.client.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
    .filter((n): n is string => typeof n === 'string');
}

/** POSTs to `path` (an operator body when `key` is given) and expects that status and problem code. */
export async function expectCode(
  stack: TestStack,
  path: string,
  status: number,
  code: string,
  key?: string,
): Promise<void> {
  const r = await stack.api('POST', path, { key, body: key ? { reason: 'whole life test' } : {} });
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
}

/**
 * A channel notify sent again for a payment whose workflow has ended: answered success, recorded in the
 * inbox, and signalled to `late-<paymentId>` (on this branch that type has no worker; it is only started).
 * Returns the late workflow's id, for the caller to clean up.
 */
export async function expectLateNotifyTaken(stack: TestStack, p: PaidPayment): Promise<string> {
  const a = p.attempts[0]!;
  const n = signedPaidNotify(stack, {
    channelOutTradeNo: a.channelOutTradeNo,
    channelTradeNo: a.channelTradeNo ?? 'T',
    totalAmount: '19.99',
  });
  expect(await postNotify(stack, n)).toEqual({ status: 200, text: 'success' });
  const inbox = await stack.pool.query(
    'SELECT payment_id FROM channel_notifications WHERE verified AND notify_id = $1',
    [n.notify_id],
  );
  expect(inbox.rows).toEqual([{ payment_id: p.id }]);
  const lateId = lateMoneyWorkflowId(p.id);
  const late = await describeOrNull(stack, lateId);
  expect(late?.type).toBe(LATE_MONEY_WORKFLOW_TYPE);
  expect(late?.taskQueue).toBe(stack.taskQueue);
  expect(await signalNames(stack, lateId)).toContain('channelNotify');
  return lateId;
}

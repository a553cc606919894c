import type { ChannelPort } from '../../../src/channels/channel-port';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import {
  newOutTradeNo,
  paidByQuery,
  payRequest,
  startSandboxHarness,
  type SandboxHarness,
} from './support/sandbox-harness';

/** Our AlipayChannel against the sandbox: close, cancel, repeated pay calls, an unreachable gateway. */
let h: SandboxHarness;
let sandbox: ChannelPort;

beforeAll(async () => {
  h = await startSandboxHarness();
  sandbox = h.channels.get('sandbox');
});
afterAll(() => h.close());

test('close of a paid trade reports ALREADY_PAID; cancel reverses what happened', async () => {
  const paid = payRequest('sim_success');
  const pay = await sandbox.pay(paid);
  const q = await paidByQuery(sandbox, paid.outTradeNo);
  expect(pay.outcome === 'PENDING' && pay.channelTradeNo).toBe(q.channelTradeNo);
  expect(await sandbox.close(paid.outTradeNo)).toMatchObject({
    outcome: 'ALREADY_PAID',
    channelTradeNo: q.channelTradeNo,
  });
  expect(await sandbox.cancel(paid.outTradeNo)).toEqual({ outcome: 'REVERSED', action: 'REFUNDED' });

  const unpaid = payRequest('sim_never_pay');
  await sandbox.pay(unpaid);
  expect(await sandbox.cancel(unpaid.outTradeNo)).toEqual({ outcome: 'REVERSED', action: 'CLOSED' });
  expect(await sandbox.cancel(newOutTradeNo())).toEqual({ outcome: 'REVERSED', action: 'NONE' });
  expect(await sandbox.close(newOutTradeNo())).toEqual({ outcome: 'NOT_FOUND' });
});

test('paying the same out_trade_no again is idempotent; another amount is refused', async () => {
  const req = payRequest('sim_never_pay');
  const first = await sandbox.pay(req);
  expect(await sandbox.pay(req)).toEqual(first);
  expect(await sandbox.pay({ ...req, amount: 1 })).toMatchObject({
    outcome: 'DECLINED',
    code: 'CONTEXT_INCONSISTENT',
    retryable: false,
  });
});

test('a channel that cannot be reached answers UNKNOWN, never a decline', async () => {
  const account = h.accounts[0]!;
  const offline = createChannelRegistry([{ ...account, gatewayUrl: 'http://127.0.0.1:9/gateway.do' }]).get(
    'sandbox',
  );
  expect(await offline.pay(payRequest('sim_success'))).toMatchObject({
    outcome: 'UNKNOWN',
    code: 'TRANSPORT_ERROR',
  });
  expect(await offline.query('x-1')).toMatchObject({ status: 'UNKNOWN' });
});

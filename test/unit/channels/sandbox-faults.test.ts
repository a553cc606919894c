import type { ChannelPort } from '../../../src/channels/channel-port';
import { SandboxFaults, faultProfileSchema } from '../../../src/channels/sandbox/sandbox-faults';
import {
  eventually,
  paidByQuery,
  payRequest,
  sleep,
  startSandboxHarness,
  type SandboxHarness,
} from './support/sandbox-harness';

/** `/sim/faults`: errors, timeouts and notify faults drawn from a seeded generator. */
let h: SandboxHarness;
let sandbox: ChannelPort;

beforeAll(async () => {
  h = await startSandboxHarness();
  sandbox = h.channels.get('sandbox');
});
afterAll(() => h.close());
afterEach(() => faults('DELETE'));

async function faults(method: 'PUT' | 'GET' | 'DELETE', body?: unknown) {
  const response = await fetch(`${h.sandbox.url}/sim/faults`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const notifiesOf = (outTradeNo: string) => h.notifies.filter((n) => n.fields.out_trade_no === outTradeNo);

test('the profile is validated, shown with its defaults and what was injected, and cleared', async () => {
  expect((await faults('GET')).body).toMatchObject({ profile: null });
  for (const bad of [
    { seed: 1, payError: 1.5 },
    { seed: 1, payError: -0.1 },
    { payError: 0.5 },
    { seed: 1.5 },
    { seed: 1, notifyDelayMs: [50, 10] },
    { seed: 1, notifyDelayMs: [10] },
    { seed: 1, surprise: 1 },
  ]) {
    expect((await faults('PUT', bad)).status).toBe(400);
  }
  const set = await faults('PUT', { seed: 42, queryError: 0.25, notifyDelayMs: [5, 10] });
  expect(set).toEqual({
    status: 200,
    body: {
      profile: {
        seed: 42,
        payError: 0,
        payTimeout: 0,
        queryError: 0.25,
        closeError: 0,
        refundError: 0,
        notifyLoss: 0,
        notifyDuplicate: 0,
        notifyReorder: 0,
        notifyDelayMs: [5, 10],
      },
      injected: expect.objectContaining({ queryError: 0, payError: 0 }),
    },
  });
  expect((await faults('GET')).body).toEqual(set.body);
  expect((await faults('DELETE')).body).toMatchObject({ profile: null });
});

test('the same seed draws the same faults; another seed others', () => {
  const draws = (seed: number) => {
    const f = new SandboxFaults();
    f.set(faultProfileSchema.parse({ seed, payError: 0.3, payTimeout: 0.3, notifyLoss: 0.5 }));
    return Array.from({ length: 200 }, (_, i) =>
      i % 2 ? f.forGatewayCall('alipay.trade.pay') : f.forNotify().lost,
    );
  };
  expect(draws(7)).toEqual(draws(7));
  expect(draws(7)).not.toEqual(draws(8));
  const outcomes = new Set(draws(7));
  for (const outcome of ['http_5xx', 'system_error', 'timeout', null, true, false]) {
    expect(outcomes).toContain(outcome);
  }
});

test('payError: the pay is answered with an error and no trade exists', async () => {
  await faults('PUT', { seed: 1, payError: 1 });
  const requests = [payRequest('sim_success'), payRequest('sim_success'), payRequest(undefined)];
  for (const req of requests) expect((await sandbox.pay(req)).outcome).toBe('UNKNOWN');
  expect(((await faults('GET')).body.injected as Record<string, number>).payError).toBe(3);
  await faults('DELETE');
  for (const req of requests) expect(await sandbox.query(req.outTradeNo)).toEqual({ status: 'NOT_FOUND' });
});

test('payTimeout: the answer comes after the caller gave up, yet the trade is there and gets paid', async () => {
  await faults('PUT', { seed: 1, payTimeout: 1 });
  const req = payRequest('sim_success');
  expect(await sandbox.pay(req)).toMatchObject({ outcome: 'UNKNOWN', code: 'TIMEOUT' });
  await faults('DELETE');
  expect(await paidByQuery(sandbox, req.outTradeNo)).toMatchObject({ status: 'PAID', amount: 1999 });
});

test('queryError, closeError and refundError: errors without effect at the channel', async () => {
  const req = payRequest('sim_success');
  await sandbox.pay(req);
  await paidByQuery(sandbox, req.outTradeNo);
  await faults('PUT', { seed: 3, queryError: 1, closeError: 1, refundError: 1 });
  expect((await sandbox.query(req.outTradeNo)).status).toBe('UNKNOWN');
  expect((await sandbox.close(req.outTradeNo)).outcome).toBe('UNKNOWN');
  const refund = { outTradeNo: req.outTradeNo, outRequestNo: 'f1', amount: 100, currency: 'CNY' };
  expect((await sandbox.refund(refund)).outcome).toBe('UNKNOWN');
  await faults('DELETE');
  expect(await sandbox.refundQuery(req.outTradeNo, 'f1')).toEqual({ status: 'NOT_FOUND' });
  expect(await sandbox.refund(refund)).toMatchObject({ outcome: 'SUCCEEDED' });
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'PAID' });
});

test('notifyLoss and notifyDuplicate: never sent; sent twice with one notify_id', async () => {
  await faults('PUT', { seed: 5, notifyLoss: 1 });
  const lost = payRequest('sim_success');
  await sandbox.pay(lost);
  await paidByQuery(sandbox, lost.outTradeNo);
  await sleep(200);
  expect(notifiesOf(lost.outTradeNo)).toHaveLength(0);

  await faults('PUT', { seed: 5, notifyDuplicate: 1 });
  const twice = payRequest('sim_success');
  await sandbox.pay(twice);
  const copies = await eventually(() =>
    notifiesOf(twice.outTradeNo).length === 2 ? notifiesOf(twice.outTradeNo) : undefined,
  );
  expect(new Set(copies.map((n) => n.fields.notify_id)).size).toBe(1);
});

test('notifyDelayMs delays a notify; notifyReorder holds one back so a later one overtakes it', async () => {
  await faults('PUT', { seed: 9, notifyDelayMs: [400, 400] });
  const delayed = payRequest('sim_success');
  await sandbox.pay(delayed);
  await paidByQuery(sandbox, delayed.outTradeNo);
  expect(notifiesOf(delayed.outTradeNo)).toHaveLength(0);
  await eventually(() => notifiesOf(delayed.outTradeNo)[0]);

  await faults('PUT', { seed: 9, notifyReorder: 1 });
  const req = payRequest('sim_success');
  await sandbox.pay(req);
  await paidByQuery(sandbox, req.outTradeNo);
  await faults('DELETE');
  // Refunded in full: the closed notify leaves at once and overtakes the held-back paid one.
  await sandbox.refund({ outTradeNo: req.outTradeNo, outRequestNo: 'all', amount: 1999, currency: 'CNY' });
  const both = await eventually(() =>
    notifiesOf(req.outTradeNo).length === 2 ? notifiesOf(req.outTradeNo) : undefined,
  );
  expect(both.map((n) => n.fields.trade_status)).toEqual(['TRADE_CLOSED', 'TRADE_SUCCESS']);
});

import type { ChannelPort } from '../../../src/channels/channel-port';
import {
  TEST_TIMING,
  eventually,
  paidByQuery,
  payRequest,
  sleep,
  startSandboxHarness,
  type SandboxHarness,
} from './support/sandbox-harness';

/** `POST /sim/trades/{channelOutTradeNo}/notify`: a channel retrying long after the fact. */
let h: SandboxHarness;
let sandbox: ChannelPort;

beforeAll(async () => {
  h = await startSandboxHarness();
  sandbox = h.channels.get('sandbox');
});
afterAll(() => h.close());

const notifiesOf = (outTradeNo: string) => h.notifies.filter((n) => n.fields.out_trade_no === outTradeNo);

async function resend(outTradeNo: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${h.sandbox.url}/sim/trades/${encodeURIComponent(outTradeNo)}/notify`, {
    method: 'POST',
  });
  return { status: response.status, body: await response.json() };
}

test('sends the notify again now, freshly signed, and answers with what the service replied', async () => {
  const req = payRequest('sim_success');
  await sandbox.pay(req);
  const first = await eventually(() => notifiesOf(req.outTradeNo)[0]);

  expect(await resend(req.outTradeNo)).toEqual({ status: 200, body: { status: 200, body: 'success' } });
  const [, again] = notifiesOf(req.outTradeNo);
  expect(again?.fields.notify_id).not.toBe(first.fields.notify_id);
  expect(sandbox.verifyNotify(again?.fields ?? {})).toMatchObject({
    ok: true,
    outTradeNo: req.outTradeNo,
    tradeStatus: 'PAID',
    amount: 1999,
  });

  // Whatever the service answers is passed back, and this one delivery is not retried.
  h.answerNotify = () => 'fail';
  try {
    expect(await resend(req.outTradeNo)).toEqual({ status: 200, body: { status: 200, body: 'fail' } });
  } finally {
    h.answerNotify = () => 'success';
  }
  await sleep(TEST_TIMING.notifyScale * 4 * 60_000 * 5);
  expect(notifiesOf(req.outTradeNo)).toHaveLength(3);
});

test('tells the trade as it stands now: refunded in full, it is closed with the refund', async () => {
  const req = payRequest('sim_success_no_notify');
  await sandbox.pay(req);
  await paidByQuery(sandbox, req.outTradeNo);
  await sandbox.refund({ outTradeNo: req.outTradeNo, outRequestNo: 'r_all', amount: 1999, currency: 'CNY' });
  // The token sends no notifies on its own; the explicit resend does.
  expect(notifiesOf(req.outTradeNo)).toHaveLength(0);
  expect((await resend(req.outTradeNo)).status).toBe(200);
  const [notify] = notifiesOf(req.outTradeNo);
  expect(notify?.fields).toMatchObject({ trade_status: 'TRADE_CLOSED', refund_fee: '19.99' });
  expect(sandbox.verifyNotify(notify?.fields ?? {})).toMatchObject({ ok: true, tradeStatus: 'CLOSED' });
});

test('finds the trade in whichever account holds it', async () => {
  const backup = h.channels.get('sandbox_backup');
  const req = payRequest('sim_never_pay');
  await backup.pay(req);
  expect((await resend(req.outTradeNo)).body).toEqual({ status: 200, body: 'success' });
  const [notify] = notifiesOf(req.outTradeNo);
  expect(notify?.channel).toBe('sandbox_backup');
  expect(backup.verifyNotify(notify?.fields ?? {})).toMatchObject({
    ok: true,
    tradeStatus: 'WAIT_BUYER_PAY',
  });
});

test('404 for an unknown trade, 409 for one without a notify_url (an orphan)', async () => {
  expect(await resend('pay_nope-1')).toEqual({ status: 404, body: { error: 'no such trade' } });
  const orphan = await fetch(`${h.sandbox.url}/sim/orphan-trades`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'sandbox', amount: 100 }),
  });
  const { outTradeNo } = (await orphan.json()) as { outTradeNo: string };
  expect((await resend(outTradeNo)).status).toBe(409);
});

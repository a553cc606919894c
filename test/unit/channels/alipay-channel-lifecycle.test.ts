import { beijingDay, formatBeijingTime } from '../../../src/channels/beijing-time';
import type { ChannelPort, CloseResult } from '../../../src/channels/channel-port';
import { loadOrCreateSandboxKeys } from '../../../src/channels/sandbox/sandbox-keys';
import {
  NOTIFY_SIGN_EXCLUDED,
  rsa2Sign,
  signingContent,
} from '../../../src/channels/sandbox/sandbox-signing';
import {
  eventually,
  payRequest,
  sleep,
  startSandboxHarness,
  wholeSecondAhead,
  type SandboxHarness,
} from './support/sandbox-harness';
import { collect } from './support/bill-zip';

/** Deadlines, races, refunds, bills and notify checks through AlipayChannel against the sandbox. */
let h: SandboxHarness;
let sandbox: ChannelPort;

beforeAll(async () => {
  h = await startSandboxHarness();
  sandbox = h.channels.get('sandbox');
});
afterAll(() => h.close());

function statusesNotified(outTradeNo: string): string[] {
  return h.notifies
    .filter((n) => n.fields.out_trade_no === outTradeNo)
    .map((n) => String(n.fields.trade_status));
}

test('time_expire: the trade closes at that instant and can no longer be paid', async () => {
  const expiresAt = wholeSecondAhead(500);
  const req = payRequest('sim_never_pay', { expiresAt });
  expect((await sandbox.pay(req)).outcome).toBe('PENDING');
  await sleep(expiresAt.getTime() - Date.now() + 100);
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });
  const notify = await eventually(() => h.notifies.find((n) => n.fields.out_trade_no === req.outTradeNo));
  expect(notify.fields).toMatchObject({
    trade_status: 'TRADE_CLOSED',
    gmt_close: formatBeijingTime(expiresAt),
  });
  expect(await sandbox.pay(req)).toMatchObject({
    outcome: 'DECLINED',
    code: 'TRADE_HAS_CLOSE',
    retryable: false,
  });
  expect(
    await sandbox.pay(payRequest('sim_success', { expiresAt: new Date(Date.now() - 1000) })),
  ).toMatchObject({
    outcome: 'DECLINED',
    code: 'INVALID_PARAMETER',
  });
});

test('sim_pay_at_deadline: pay and close race at time_expire, and exactly one wins each trade', async () => {
  const expiresAt = wholeSecondAhead(700);
  const trades = Array.from({ length: 16 }, () => payRequest('sim_pay_at_deadline', { expiresAt }));
  for (const req of trades) expect((await sandbox.pay(req)).outcome).toBe('PENDING');
  // Half of them also see our own close call at the deadline, racing the buyer and the expiry.
  const closes = new Map<string, Promise<CloseResult>>();
  await sleep(expiresAt.getTime() - Date.now());
  for (const req of trades.slice(0, 8)) closes.set(req.outTradeNo, sandbox.close(req.outTradeNo));
  await sleep(300);

  for (const req of trades) {
    const final = await sandbox.query(req.outTradeNo);
    expect(['PAID', 'CLOSED']).toContain(final.status);
    const notified = await eventually(() => {
      const statuses = statusesNotified(req.outTradeNo);
      return statuses.length > 0 ? statuses : undefined;
    });
    expect(notified).toEqual([final.status === 'PAID' ? 'TRADE_SUCCESS' : 'TRADE_CLOSED']);
    if (final.status === 'PAID') expect(final.paidAt?.getTime()).toBeLessThanOrEqual(expiresAt.getTime());
    const closed = await closes.get(req.outTradeNo);
    if (closed) expect(closed.outcome).toBe(final.status === 'PAID' ? 'ALREADY_PAID' : 'CLOSED');
  }
  await sleep(100);
  for (const req of trades) expect(statusesNotified(req.outTradeNo)).toHaveLength(1);
});

test('refund re-entrancy: one out_request_no pays out once, however often it is sent', async () => {
  const req = payRequest('sim_success');
  await sandbox.pay(req);
  await eventually(async () => ((await sandbox.query(req.outTradeNo)).status === 'PAID' ? true : undefined));
  const refund = { outTradeNo: req.outTradeNo, outRequestNo: 'ref_a', amount: 500, currency: 'CNY' };
  const answers = await Promise.all([sandbox.refund(refund), sandbox.refund(refund), sandbox.refund(refund)]);
  for (const answer of answers) expect(answer.outcome).toBe('SUCCEEDED');
  expect(await sandbox.refund({ ...refund, amount: 600 })).toMatchObject({
    outcome: 'FAILED',
    retryable: false,
  });
  expect(await sandbox.refund({ ...refund, outRequestNo: 'ref_b', amount: 1500 })).toMatchObject({
    outcome: 'FAILED',
    code: 'REFUND_AMT_NOT_EQUAL_TOTAL',
    retryable: false,
  });
  expect(await sandbox.refund({ ...refund, outRequestNo: 'ref_b', amount: 1499 })).toMatchObject({
    outcome: 'SUCCEEDED',
  });

  const rows = (await collect(sandbox.billRows(beijingDay(new Date())))).filter(
    (row) => row.outTradeNo === req.outTradeNo,
  );
  expect(rows.map((row) => [row.kind, row.outRefundNo, row.amount])).toEqual([
    ['PAYMENT', null, 1999],
    ['REFUND', 'ref_a', 500],
    ['REFUND', 'ref_b', 1499],
  ]);
  // Refunded in full: the trade is closed, as Alipay reports it, and a notify says so.
  expect(await sandbox.query(req.outTradeNo)).toMatchObject({ status: 'CLOSED' });
  await eventually(() => (statusesNotified(req.outTradeNo).includes('TRADE_CLOSED') ? true : undefined));
});

test('orphan trades appear in that channel’s bill only', async () => {
  const response = await fetch(`${h.sandbox.url}/sim/orphan-trades`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'sandbox_backup', amount: 4321 }),
  });
  expect(response.status).toBe(201);
  const orphan = (await response.json()) as { tradeNo: string; outTradeNo: string; amount: number };
  expect(orphan.amount).toBe(4321);

  const today = beijingDay(new Date());
  const backupBill = await collect(h.channels.get('sandbox_backup').billRows(today));
  expect(backupBill).toContainEqual(
    expect.objectContaining({
      channelTradeNo: orphan.tradeNo,
      outTradeNo: orphan.outTradeNo,
      kind: 'PAYMENT',
      amount: 4321,
      currency: 'CNY',
    }),
  );
  const mainBill = await collect(sandbox.billRows(today));
  expect(mainBill.some((row) => row.channelTradeNo === orphan.tradeNo)).toBe(false);

  for (const body of [{ channel: 'nope', amount: 1 }, { channel: 'sandbox', amount: 1.5 }, {}]) {
    const refused = await fetch(`${h.sandbox.url}/sim/orphan-trades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(refused.status).toBe(400);
  }
});

test('a bill for a day still to come is an error, not an empty bill', async () => {
  const future = beijingDay(new Date(Date.now() + 3 * 86_400_000));
  await expect(collect(sandbox.billRows(future))).rejects.toThrow(/no bill/);
  await expect(collect(sandbox.billRows('yesterday'))).rejects.toThrow(/yyyy-MM-dd/);
});

test('verifyNotify refuses tampered fields, another account’s signature and another app_id', async () => {
  const req = payRequest('sim_success');
  await sandbox.pay(req);
  const notify = await eventually(() => h.notifies.find((n) => n.fields.out_trade_no === req.outTradeNo));
  expect(sandbox.verifyNotify(notify.fields).ok).toBe(true);
  expect(sandbox.verifyNotify({ ...notify.fields, total_amount: '0.01' })).toMatchObject({
    ok: false,
    reason: 'bad signature',
  });
  expect(h.channels.get('sandbox_backup').verifyNotify(notify.fields)).toMatchObject({ ok: false });
  const { sign: _sign, ...unsigned } = notify.fields;
  expect(sandbox.verifyNotify(unsigned)).toMatchObject({
    ok: false,
    reason: 'missing sign',
    notifyId: notify.fields.notify_id,
  });

  // Signed with the right key but naming another app: not ours either.
  const keys = loadOrCreateSandboxKeys(h.dataDir, 'sandbox');
  const foreign: Record<string, string> = { ...unsigned, app_id: '2021999999999999' };
  foreign.sign = rsa2Sign(signingContent(foreign, NOTIFY_SIGN_EXCLUDED), keys.channelPrivateKeyPem);
  const refused = sandbox.verifyNotify(foreign);
  expect(refused.ok === false && refused.reason).toMatch(/app_id/);
});

test('the sandbox answers its health check', async () => {
  const response = await fetch(`${h.sandbox.url}/healthz`);
  expect(response.status).toBe(200);
});

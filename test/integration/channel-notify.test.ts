import { createSign, generateKeyPairSync } from 'node:crypto';
import { loadOrCreateSandboxKeys } from '../../src/channels/sandbox/sandbox-keys';
import { eventually, inMinutes, orderNo, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `notify-${process.pid}` });
});
afterAll(async () => stack?.stop());

/** Alipay style: RSA2 over the ASCII-sorted key=value pairs, leaving out sign, sign_type and empty values. */
function sign(fields: Record<string, string>, privateKeyPem: string): Record<string, string> {
  const content = Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const s = createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
  return { ...fields, sign_type: 'RSA2', sign: s };
}

async function postNotify(fields: Record<string, string>, channel = 'sandbox') {
  const res = await fetch(`${stack.apiUrl}/v1/channels/${channel}/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text() };
}

async function pendingPayment() {
  const r = await stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo('ntf'),
      amount: 1999,
      currency: 'CNY',
      subject: 'Cake',
      orderDeadline: inMinutes(10),
      method: { type: 'wallet', token: 'sim_never_pay' },
    },
  });
  expect(r.status).toBe(201);
  return r.body as { id: string; attempts: Array<{ channelOutTradeNo: string }> };
}

function paidFields(outTradeNo: string, notifyId: string, amount = '19.99'): Record<string, string> {
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  return {
    notify_id: notifyId,
    notify_time: '2026-11-21 12:00:00',
    notify_type: 'trade_status_sync',
    app_id: keys.appId,
    charset: 'utf-8',
    version: '1.0',
    out_trade_no: outTradeNo,
    trade_no: `2026${Date.now()}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: amount,
    gmt_payment: '2026-11-21 12:00:00',
  };
}

const rejectedCount = async (outTradeNo: string) =>
  Number(
    (
      await stack.pool.query(
        'SELECT count(*) FROM channel_notifications WHERE NOT verified AND out_trade_no = $1',
        [outTradeNo],
      )
    ).rows[0].count,
  );

test('a forged signature changes nothing, answers fail and is recorded for operators', async () => {
  const p = await pendingPayment();
  const outTradeNo = p.attempts[0]!.channelOutTradeNo;
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const r = await postNotify(sign(paidFields(outTradeNo, `forged-${Date.now()}`), forger));
  expect(r).toEqual({ status: 400, text: 'fail' });
  expect(await rejectedCount(outTradeNo)).toBe(1);
  const g = await stack.api('GET', `/v1/payments/${p.id}`);
  expect(g.body.status).toBe('PROCESSING');
});

test('a tampered field (amount changed after signing) and a missing signature are rejected', async () => {
  const p = await pendingPayment();
  const outTradeNo = p.attempts[0]!.channelOutTradeNo;
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  const signed = sign(paidFields(outTradeNo, `tamper-${Date.now()}`), keys.channelPrivateKeyPem);
  expect((await postNotify({ ...signed, total_amount: '0.01' })).status).toBe(400);
  const { sign: _s, ...unsigned } = signed;
  expect((await postNotify(unsigned)).status).toBe(400);
  expect(await rejectedCount(outTradeNo)).toBe(2);
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('PROCESSING');
});

test('a correctly signed notify with a different amount, or an unknown out_trade_no, is rejected', async () => {
  const p = await pendingPayment();
  const outTradeNo = p.attempts[0]!.channelOutTradeNo;
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  expect(
    (await postNotify(sign(paidFields(outTradeNo, `amt-${Date.now()}`, '1.00'), keys.channelPrivateKeyPem)))
      .status,
  ).toBe(400);
  expect(await rejectedCount(outTradeNo)).toBe(1);
  const unknown = `pay_${'0'.repeat(32)}-1`;
  expect(
    (await postNotify(sign(paidFields(unknown, `unk-${Date.now()}`), keys.channelPrivateKeyPem))).status,
  ).toBe(400);
  expect(await rejectedCount(unknown)).toBeGreaterThanOrEqual(1);
  // The sandbox's key is not the backup account's: a notify for one account on the other's path fails.
  expect(
    (
      await postNotify(
        sign(paidFields(outTradeNo, `acct-${Date.now()}`), keys.channelPrivateKeyPem),
        'sandbox_backup',
      )
    ).status,
  ).toBe(400);
  expect((await postNotify(paidFields(outTradeNo, 'x'), 'no_such_channel')).status).toBe(404);
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('PROCESSING');
});

test('a genuine notify succeeds the payment; its duplicate answers success and changes nothing more', async () => {
  const p = await pendingPayment();
  const outTradeNo = p.attempts[0]!.channelOutTradeNo;
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  const n = sign(paidFields(outTradeNo, `real-${Date.now()}`), keys.channelPrivateKeyPem);
  expect(await postNotify(n)).toEqual({ status: 200, text: 'success' });
  expect(await postNotify(n)).toEqual({ status: 200, text: 'success' });
  await eventually(async () =>
    (await stack.api('GET', `/v1/payments/${p.id}`)).body.status === 'SUCCEEDED' ? true : undefined,
  );
  const inbox = await stack.pool.query(
    'SELECT count(*) FROM channel_notifications WHERE verified AND notify_id = $1',
    [n.notify_id],
  );
  expect(Number(inbox.rows[0].count)).toBe(1);
  const history = await stack.pool.query(
    "SELECT count(*) FROM payment_status_history WHERE payment_id = $1 AND attempt_no IS NULL AND to_status = 'SUCCEEDED'",
    [p.id],
  );
  expect(Number(history.rows[0].count)).toBe(1);
});

test('a PAID notify for a trade the channel reports closed is stale: asked, not kept as late money', async () => {
  const p = await pendingPayment();
  const outTradeNo = p.attempts[0]!.channelOutTradeNo;
  const closed = await stack.api('POST', `/v1/payments/${p.id}/close`);
  expect(closed.body.status).toBe('CLOSED');
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  const notice = sign(paidFields(outTradeNo, `stale-${Date.now()}`), keys.channelPrivateKeyPem);
  expect(await postNotify(notice)).toEqual({ status: 200, text: 'success' });
  // The workflow has handled it once the inbox row is there and a query to the workflow answers after it.
  await eventually(async () => {
    const r = await stack.pool.query('SELECT 1 FROM channel_notifications WHERE notify_id = $1', [
      notice.notify_id,
    ]);
    return r.rowCount ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 3_000));
  const late = await stack.pool.query('SELECT 1 FROM late_payments WHERE payment_id = $1', [p.id]);
  expect(late.rowCount).toBe(0);
  expect((await stack.channels.get('sandbox').query(outTradeNo)).status).toBe('CLOSED');
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('CLOSED');
});

test('a success that arrives after the payment closed, while the channel cannot be asked, is recorded as a late payment to refund', async () => {
  const p = await pendingPayment();
  const outTradeNo = p.attempts[0]!.channelOutTradeNo;
  const closed = await stack.api('POST', `/v1/payments/${p.id}/close`);
  expect(closed.body.status).toBe('CLOSED');
  const keys = loadOrCreateSandboxKeys(stack.dataDir, 'sandbox');
  await stack.sandboxDown();
  try {
    expect(
      await postNotify(sign(paidFields(outTradeNo, `late-${Date.now()}`), keys.channelPrivateKeyPem)),
    ).toEqual({ status: 200, text: 'success' });
    // The signed notify is trusted when the channel cannot confirm it: never kept silently.
    const late = await eventually(async () => {
      const l = await stack.pool.query(
        'SELECT reason, amount, attempt_no FROM late_payments WHERE payment_id = $1',
        [p.id],
      );
      return l.rowCount ? l.rows : undefined;
    });
    expect(late).toEqual([{ reason: 'LATE_PAYMENT', amount: 1999, attempt_no: 1 }]);
  } finally {
    await stack.sandboxUp();
  }
  expect((await stack.api('GET', `/v1/payments/${p.id}`)).body.status).toBe('CLOSED');
});

import { PaymentRepository } from '../../src/db/payment-repository';
import {
  eventually,
  inMinutes,
  inSeconds,
  orderNo,
  startTestStack,
  type TestStack,
} from './support/test-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ taskQueue: `lifecycle-${process.pid}` });
});
afterAll(async () => stack?.stop());

const create = (token: string | undefined, extra: Record<string, unknown> = {}) =>
  stack.api('POST', '/v1/payments', {
    body: {
      outTradeNo: orderNo(token ?? 'qr'),
      amount: 1999,
      currency: 'CNY',
      subject: 'Coffee',
      orderDeadline: inMinutes(10),
      ...(token ? { method: { type: 'bank_card', brand: 'ABC_CREDIT', token } } : {}),
      ...extra,
    },
  });

async function statusOf(id: string, until: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const r = await stack.api('GET', `/v1/payments/${id}`);
    return r.body?.status === until ? r.body : undefined;
  }, timeoutMs);
}

async function historyOf(paymentId: string) {
  const r = await stack.pool.query<{
    attempt_no: number | null;
    from_status: string | null;
    to_status: string;
  }>(
    'SELECT attempt_no, from_status, to_status FROM payment_status_history WHERE payment_id = $1 ORDER BY id',
    [paymentId],
  );
  return r.rows;
}

describe('sandbox behaviours end to end through HTTP', () => {
  test('sim_success: created PROCESSING, then SUCCEEDED by notify, paid at the channel once', async () => {
    const r = await create('sim_success');
    expect(r.status).toBe(201);
    expect(r.headers.get('idempotent-replayed')).toBeNull();
    expect(r.body.status).toBe('PROCESSING');
    expect(r.body.expiresAt).toBe(r.body.orderDeadline);
    expect(r.body.attempts).toHaveLength(1);
    expect(r.body.attempts[0]).toMatchObject({ attemptNo: 1, channel: 'sandbox', status: 'PROCESSING' });
    expect(r.body.attempts[0].channelOutTradeNo).toBe(`${r.body.id}-1`);
    const paid = await statusOf(r.body.id, 'SUCCEEDED');
    expect(paid.paidAt).not.toBeNull();
    expect(paid.attempts[0].status).toBe('SUCCEEDED');
    expect(paid.attempts[0].channelTradeNo).toEqual(expect.any(String));
    const inbox = await stack.pool.query('SELECT verified FROM channel_notifications WHERE payment_id = $1', [
      r.body.id,
    ]);
    expect(inbox.rows.length).toBeGreaterThanOrEqual(1);
    expect(inbox.rows.every((x: { verified: boolean }) => x.verified)).toBe(true);
    // What an operator filters on in the Temporal Web UI, kept current by the workflow.
    const query = `PaymentStatus = "SUCCEEDED" AND MerchantId = "m_demo" AND OutTradeNo = "${r.body.outTradeNo}" AND Channel = "sandbox"`;
    await eventually(async () =>
      (await stack.client.temporal.workflow.count(query)).count === 1 ? true : undefined,
    );
  });

  test('no token: a QR code to show the buyer, then SUCCEEDED', async () => {
    const r = await create(undefined);
    expect(r.status).toBe(201);
    expect(r.body.nextAction).toEqual({ type: 'qr_code', url: expect.any(String) });
    const paid = await statusOf(r.body.id, 'SUCCEEDED');
    expect(paid.nextAction).toBeNull();
  });

  test('sim_success_no_notify: found by polling the channel', async () => {
    const r = await create('sim_success_no_notify');
    expect(r.status).toBe(201);
    const paid = await statusOf(r.body.id, 'SUCCEEDED');
    expect(paid.attempts[0].status).toBe('SUCCEEDED');
    const inbox = await stack.pool.query('SELECT 1 FROM channel_notifications WHERE payment_id = $1', [
      r.body.id,
    ]);
    expect(inbox.rowCount).toBe(0);
  });

  test('sim_success_duplicate_notify: one success, the stale WAIT_BUYER_PAY changes nothing', async () => {
    const r = await create('sim_success_duplicate_notify');
    await statusOf(r.body.id, 'SUCCEEDED');
    await eventually(async () => {
      const n = await stack.pool.query(
        "SELECT 1 FROM channel_notifications WHERE payment_id = $1 AND trade_status = 'WAIT_BUYER_PAY'",
        [r.body.id],
      );
      return (n.rowCount ?? 0) > 0 ? true : undefined;
    });
    const after = await stack.api('GET', `/v1/payments/${r.body.id}`);
    expect(after.body.status).toBe('SUCCEEDED');
    const succeeded = (await historyOf(r.body.id)).filter(
      (h) => h.attempt_no === null && h.to_status === 'SUCCEEDED',
    );
    expect(succeeded).toHaveLength(1);
  });

  test('sim_decline_insufficient_funds: AWAITING_RETRY with the channel code; pay again is allowed', async () => {
    const r = await create('sim_decline_insufficient_funds');
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('AWAITING_RETRY');
    expect(r.body.attempts[0]).toMatchObject({ status: 'FAILED', code: expect.stringContaining('BALANCE') });
    const again = await stack.api('POST', `/v1/payments/${r.body.id}/attempts`, {
      body: { method: { type: 'bank_card', token: 'sim_success' } },
    });
    expect(again.status).toBe(202);
    expect(again.body.attempts).toHaveLength(2);
    const paid = await statusOf(r.body.id, 'SUCCEEDED');
    expect(paid.attempts.map((a: { status: string }) => a.status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  test('sim_decline_system_error: a retryable decline leaves the payment AWAITING_RETRY', async () => {
    const r = await create('sim_decline_system_error');
    expect(r.body.status).toBe('AWAITING_RETRY');
    expect(r.body.attempts[0].status).toBe('FAILED');
  });

  test('sim_decline_system_error_once: attempt 2 succeeds after pay again', async () => {
    const r = await create('sim_decline_system_error_once');
    expect(r.body.status).toBe('AWAITING_RETRY');
    const again = await stack.api('POST', `/v1/payments/${r.body.id}/attempts`, { body: {} });
    expect(again.status).toBe(202);
    const paid = await statusOf(r.body.id, 'SUCCEEDED');
    expect(paid.attempts).toHaveLength(2);
    expect(paid.attempts[1].status).toBe('SUCCEEDED');
  });

  test('sim_timeout_then_success: UNKNOWN at first, resolved by query, never by guessing', async () => {
    const r = await create('sim_timeout_then_success');
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('UNKNOWN');
    expect(r.body.attempts[0].status).toBe('UNKNOWN');
    const paid = await statusOf(r.body.id, 'SUCCEEDED', 30_000);
    expect(paid.attempts[0].status).toBe('SUCCEEDED');
  });

  test('sim_never_pay: at the deadline the payment is CLOSED (EXPIRED) and the channel trade is closed too', async () => {
    const r = await create('sim_never_pay', { orderDeadline: inSeconds(4) });
    expect(r.body.status).toBe('PROCESSING');
    const closed = await statusOf(r.body.id, 'CLOSED', 20_000);
    expect(closed.closeReason).toBe('EXPIRED');
    expect(closed.closedAt).not.toBeNull();
    expect(closed.attempts[0].status).toMatch(/^(CLOSED|REVERSED)$/);
    const q = await stack.channels.get('sandbox').query(closed.attempts[0].channelOutTradeNo);
    expect(q.status).toMatch(/^(CLOSED|NOT_FOUND)$/);
  });

  test('sim_pay_at_deadline: SUCCEEDED, or CLOSED with the money recorded for refund, never CLOSED with money kept', async () => {
    const r = await create('sim_pay_at_deadline', { orderDeadline: inSeconds(4) });
    const final = await eventually(async () => {
      const g = await stack.api('GET', `/v1/payments/${r.body.id}`);
      return ['SUCCEEDED', 'CLOSED'].includes(g.body.status) ? g.body : undefined;
    }, 25_000);
    const q = await stack.channels.get('sandbox').query(final.attempts[0].channelOutTradeNo);
    if (final.status === 'CLOSED' && q.status === 'PAID') {
      const late = await eventually(async () => {
        const l = await stack.pool.query('SELECT reason FROM late_payments WHERE payment_id = $1', [
          r.body.id,
        ]);
        return l.rowCount ? l.rows : undefined;
      });
      expect(late[0].reason).toBe('LATE_PAYMENT');
    } else if (final.status === 'SUCCEEDED') {
      expect(q.status).toBe('PAID');
    }
  });

  test('a zero amount never reaches a channel and succeeds at once', async () => {
    const r = await create('sim_never_pay', { amount: 0 });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('SUCCEEDED');
    expect(r.body.attempts).toEqual([]);
    expect(r.body.paidAt).not.toBeNull();
  });
});

describe('merchant commands', () => {
  test('close an unpaid payment: CLOSED (MERCHANT_CLOSED) here and at the channel', async () => {
    const r = await create('sim_never_pay');
    const c = await stack.api('POST', `/v1/payments/${r.body.id}/close`);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ status: 'CLOSED', closeReason: 'MERCHANT_CLOSED' });
    const q = await stack.channels.get('sandbox').query(c.body.attempts[0].channelOutTradeNo);
    expect(q.status).toBe('CLOSED');
    const again = await stack.api('POST', `/v1/payments/${r.body.id}/close`);
    expect(again.status).toBe(200);
    const pay = await stack.api('POST', `/v1/payments/${r.body.id}/attempts`, { body: {} });
    expect(pay.status).toBe(409);
    expect(pay.body.code).toBe('PAYMENT_CLOSED');
  });

  test('closing a paid payment answers 409 PAYMENT_ALREADY_SUCCEEDED', async () => {
    const r = await create('sim_success');
    await statusOf(r.body.id, 'SUCCEEDED');
    const c = await stack.api('POST', `/v1/payments/${r.body.id}/close`);
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('PAYMENT_ALREADY_SUCCEEDED');
    const pay = await stack.api('POST', `/v1/payments/${r.body.id}/attempts`, { body: {} });
    expect(pay.status).toBe(409);
    expect(pay.body.code).toBe('PAYMENT_ALREADY_SUCCEEDED');
  });

  test('pay again while PROCESSING or UNKNOWN is refused with the contract codes', async () => {
    const p = await create('sim_never_pay');
    const r1 = await stack.api('POST', `/v1/payments/${p.body.id}/attempts`, { body: {} });
    expect(r1.status).toBe(409);
    expect(r1.body.code).toBe('PAYMENT_IN_PROGRESS');
    // With the channel unreachable the pay call's fate is unknown, and stays so: nothing may be guessed.
    await stack.sandboxDown();
    let u;
    try {
      u = await stack.client.create('m_demo', {
        outTradeNo: orderNo('unknown'),
        amount: 1999,
        currency: 'CNY',
        subject: 'Coffee',
        orderDeadline: inMinutes(10),
        method: { type: 'bank_card', token: 'sim_success' },
      });
    } finally {
      await stack.sandboxUp();
    }
    expect(u.payment.status).toBe('UNKNOWN');
    const unknownQuery = `PaymentStatus = "UNKNOWN" AND OutTradeNo = "${u.payment.outTradeNo}"`;
    await eventually(async () =>
      (await stack.client.temporal.workflow.count(unknownQuery)).count === 1 ? true : undefined,
    );
    const r2 = await stack.api('POST', `/v1/payments/${u.payment.id}/attempts`, { body: {} });
    expect(r2.status).toBe(409);
    expect(r2.body.code).toBe('PAYMENT_STATUS_UNKNOWN');
  });

  test('GET by outTradeNo, and another merchant sees 404', async () => {
    const r = await create('sim_never_pay');
    const byNo = await stack.api('GET', `/v1/payments?outTradeNo=${r.body.outTradeNo}`);
    expect(byNo.status).toBe(200);
    expect(byNo.body.id).toBe(r.body.id);
    const other = await stack.api('GET', `/v1/payments/${r.body.id}`, { key: 'sk_test_demo2_merchant' });
    expect(other.status).toBe(404);
    const otherClose = await stack.api('POST', `/v1/payments/${r.body.id}/close`, {
      key: 'sk_test_demo2_merchant',
    });
    expect(otherClose.status).toBe(404);
    const still = await new PaymentRepository(stack.pool).findById(r.body.id);
    expect(still?.status).toBe('PROCESSING');
  });
});

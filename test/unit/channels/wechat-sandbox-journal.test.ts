import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beijingDay } from '../../../src/channels/beijing-time';
import { collect } from './support/bill-zip';
import { eventually } from './support/wechat-harness';
import {
  RestartableWechatSandbox,
  billText,
  paid,
  payment,
  rawQuery,
  rawRefund,
} from './support/wechat-journal-harness';

/** `sandbox_wechat` keeps its trades, refunds, buyer tokens and bill across the sandbox's restarts (section 4). */
const PAY_DELAY_MS = 300;
const sandbox = new RestartableWechatSandbox(PAY_DELAY_MS);
const { notified, refused, journalFile } = sandbox;
const wechatJournal = journalFile.replace(/\.jsonl$/, '.wechat.jsonl');
const countOf = (outTradeNo: string): number => sandbox.countOf(outTradeNo);

beforeAll(() => sandbox.listen());
afterEach(() => sandbox.stop());
afterAll(() => sandbox.close());

test('a restart keeps the trades, refunds, buyer tokens and bill, and resumes what was pending', async () => {
  let r = await sandbox.start();
  const kept = payment('sim_success');
  await paid(r, kept);
  const refund = { outTradeNo: kept.outTradeNo, outRequestNo: `${kept.outTradeNo}-r1`, currency: 'CNY' };
  await r.ch.refund({ ...refund, amount: 300 });
  await eventually(async () =>
    (await r.ch.refundQuery(kept.outTradeNo, refund.outRequestNo)).status === 'SUCCEEDED' ? true : null,
  );
  // Its refunds end CLOSED: the token (in `attach`) must survive the restart to keep doing so.
  const closing = payment('sim_refund_closed');
  await paid(r, closing);
  await r.ch.refund({
    outTradeNo: closing.outTradeNo,
    outRequestNo: `${closing.outTradeNo}-r1`,
    amount: 500,
    currency: 'CNY',
  });
  const unacknowledged = payment('sim_success');
  refused.add(unacknowledged.outTradeNo);
  await paid(r, unacknowledged);
  await eventually(() => (notified.includes(unacknowledged.outTradeNo) ? true : null));
  await eventually(() => (notified.includes(kept.outTradeNo) ? true : null));
  // Its buyer pays PAY_DELAY_MS after the trade was created: the sandbox is down by then.
  const buyerDue = payment('sim_success');
  expect(await r.ch.pay(buyerDue)).toMatchObject({ outcome: 'PENDING' });
  const before = {
    trade: await rawQuery(r, kept.outTradeNo),
    refund: await rawRefund(r, refund.outRequestNo),
    closedRefund: await rawRefund(r, `${closing.outTradeNo}-r1`),
    bill: await billText(r),
  };
  expect(before.refund).toMatchObject({ status: 200, body: { status: 'SUCCESS' } });
  expect(before.closedRefund).toMatchObject({ status: 200, body: { status: 'CLOSED' } });

  refused.clear();
  r = await sandbox.restart(PAY_DELAY_MS + 200);
  expect(existsSync(wechatJournal)).toBe(true);
  expect(await rawQuery(r, kept.outTradeNo)).toEqual(before.trade);
  expect(await rawQuery(r, kept.outTradeNo)).toMatchObject({
    body: { trade_state: 'REFUND', attach: 'sim_success' },
  });
  expect(await rawRefund(r, refund.outRequestNo)).toEqual(before.refund);
  expect(await rawRefund(r, `${closing.outTradeNo}-r1`)).toEqual(before.closedRefund);
  // The bill's detail rows as they were (the buyer due meanwhile has paid since: its row is new).
  const detail = (bill: string): string[] =>
    bill.split('\r\n').slice(
      0,
      bill.split('\r\n').findIndex((line) => line.startsWith('总交易单数')),
    );
  const after = await billText(r);
  expect(detail(after).filter((line) => !line.includes(buyerDue.outTradeNo))).toEqual(detail(before.bill));
  expect(detail(before.bill)).toHaveLength(6);

  // The same refund again moves no money; more than what is left is refused; the CLOSED token holds.
  expect(await r.ch.refund({ ...refund, amount: 300 })).toMatchObject({ outcome: 'SUCCEEDED' });
  expect(await r.ch.refund({ ...refund, outRequestNo: `${kept.outTradeNo}-r2`, amount: 1700 })).toMatchObject(
    {
      outcome: 'FAILED',
    },
  );
  await r.ch.refund({
    outTradeNo: closing.outTradeNo,
    outRequestNo: `${closing.outTradeNo}-r2`,
    amount: 100,
    currency: 'CNY',
  });
  expect(await rawRefund(r, `${closing.outTradeNo}-r2`)).toMatchObject({ body: { status: 'CLOSED' } });
  const rows = await collect(r.ch.billRows(beijingDay(new Date())));
  expect(
    rows.filter((row) => row.outTradeNo === kept.outTradeNo).map((row) => [row.kind, row.amount]),
  ).toEqual([
    ['PAYMENT', 1999],
    ['REFUND', 300],
  ]);

  // The notify the service never took is sent again; the one it took is not.
  await eventually(() => (countOf(unacknowledged.outTradeNo) === 2 ? true : null));
  expect(countOf(kept.outTradeNo)).toBe(1);
  // The buyer due while the sandbox was down pays once it is back, and the notify says so.
  await eventually(async () => ((await r.ch.query(buyerDue.outTradeNo)).status === 'PAID' ? true : null));
  await eventually(() => (countOf(buyerDue.outTradeNo) === 1 ? true : null));
});

test('a refund still PROCESSING at the restart ends after it, once, even if its end was torn', async () => {
  let r = await sandbox.start();
  const trade = payment('sim_success');
  await paid(r, trade);
  const refund = {
    outTradeNo: trade.outTradeNo,
    outRequestNo: `${trade.outTradeNo}-r1`,
    amount: 400,
    currency: 'CNY',
  };
  expect(await r.ch.refund(refund)).toMatchObject({ outcome: 'PROCESSING' });
  expect(await rawRefund(r, refund.outRequestNo)).toMatchObject({ body: { status: 'PROCESSING' } });

  // Down while it was due to end: it ends after the restart.
  const downAt = Math.floor(Date.now() / 1000) * 1000;
  r = await sandbox.restart(PAY_DELAY_MS + 200);
  await eventually(async () =>
    (await r.ch.refundQuery(trade.outTradeNo, refund.outRequestNo)).status === 'SUCCEEDED' ? true : null,
  );
  const ended = await rawRefund(r, refund.outRequestNo);
  expect(ended).toMatchObject({ body: { status: 'SUCCESS', success_time: expect.any(String) } });
  const successTime = ended.answered ? String(ended.body?.success_time) : '';
  expect(new Date(successTime).getTime()).toBeGreaterThanOrEqual(downAt);

  // The sandbox died while writing the refund's end (the last line, torn): the money had moved, the
  // refund's line was not whole. After the restart it ends SUCCESS again without paying out twice.
  await sandbox.stop();
  const lines = readFileSync(wechatJournal, 'utf8').trimEnd().split('\n');
  expect(lines.at(-1)).toContain('"wechatRefund"');
  writeFileSync(wechatJournal, `${lines.slice(0, -1).join('\n')}\n${lines.at(-1)?.slice(0, 40)}`);
  r = await sandbox.start();
  await eventually(async () =>
    (await r.ch.refundQuery(trade.outTradeNo, refund.outRequestNo)).status === 'SUCCEEDED' ? true : null,
  );
  const rows = await collect(r.ch.billRows(beijingDay(new Date())));
  expect(
    rows.filter((row) => row.outTradeNo === trade.outTradeNo).map((row) => [row.kind, row.amount]),
  ).toEqual([
    ['PAYMENT', 1999],
    ['REFUND', 400],
  ]);
  // What is left is 1599: a refund of 1600 more is refused.
  expect(
    await r.ch.refund({ ...refund, outRequestNo: `${trade.outTradeNo}-r2`, amount: 1600 }),
  ).toMatchObject({
    outcome: 'FAILED',
  });
});

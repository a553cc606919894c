import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beijingDay } from '../../../src/channels/beijing-time';
import type { PayRequest, RawNotify } from '../../../src/channels/channel-port';
import { sandboxWechatAccountConfig } from '../../../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer, type SandboxServer } from '../../../src/channels/sandbox/sandbox-server';
import { WechatPayChannel } from '../../../src/channels/wechatpay/wechatpay-channel';
import { WechatPayClient } from '../../../src/channels/wechatpay/wechatpay-client';
import { collect } from './support/bill-zip';
import { eventually, newWechatOutTradeNo } from './support/wechat-harness';

/** `sandbox_wechat` keeps its trades, refunds, buyer tokens and bill across the sandbox's restarts (section 4). */
let dataDir: string;
let journalFile: string;
let receiver: Server;
let receiverUrl: string;
/** The out_trade_no of every notify received, in order. */
const notified: string[] = [];
/** Trades whose notifies the receiver refuses (answers 500) while the first sandbox runs. */
const refused = new Set<string>();
const PAY_DELAY_MS = 300;

interface Running {
  server: SandboxServer;
  ch: WechatPayChannel;
  client: WechatPayClient;
}
let running: Running | null = null;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wechat-journal-'));
  journalFile = join(dataDir, 'journal.jsonl');
  receiver = createServer((req, res) => {
    let rawBody = '';
    req.on('data', (chunk: Buffer) => (rawBody += chunk.toString('utf8')));
    req.on('end', () => {
      const headers: RawNotify['headers'] = {};
      for (const [name, value] of Object.entries(req.headers))
        headers[name] = Array.isArray(value) ? value[0] : value;
      const verified = running?.ch.verifyRawNotify({ headers, rawBody });
      const outTradeNo = verified?.ok ? verified.outTradeNo : 'unverified';
      notified.push(outTradeNo);
      res.statusCode = refused.has(outTradeNo) ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await running?.server.close();
  running = null;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

/** The sandbox on the test's journal; WeChat's notify retries come far later than the test ends. */
async function start(): Promise<Running> {
  const server = await startSandboxServer({
    port: 0,
    dataDir,
    journalFile,
    payDelayMs: PAY_DELAY_MS,
    notifyScheduleScale: 1,
  });
  const config = sandboxWechatAccountConfig({
    wechatUrl: server.wechat.url,
    notifyBaseUrl: receiverUrl,
    dataDir,
    timeoutMs: 2000,
  });
  running = { server, ch: new WechatPayChannel(config), client: new WechatPayClient(config) };
  return running;
}

async function restart(pauseMs: number): Promise<Running> {
  await running?.server.close();
  running = null;
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  return start();
}

const payment = (token: string): PayRequest => ({
  outTradeNo: newWechatOutTradeNo(),
  amount: 1999,
  currency: 'CNY',
  subject: 'Tea, green',
  expiresAt: new Date(Date.now() + 60_000),
  method: { type: 'wallet', token },
});

/** The signed API v3 answers, as they are (the client checks their signatures). */
const rawQuery = async (r: Running, outTradeNo: string) =>
  r.client.call('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}`, {
    params: { mchid: r.server.wechat.keys.mchId },
  });
const rawRefund = async (r: Running, outRefundNo: string) =>
  r.client.call('GET', `/v3/refund/domestic/refunds/${outRefundNo}`);
const billText = async (r: Running): Promise<string> => {
  const response = await fetch(`${r.server.wechat.url}/sim/bills/${beijingDay(new Date())}`);
  return gunzipSync(Buffer.from(await response.arrayBuffer())).toString('utf8');
};

async function paid(r: Running, req: PayRequest): Promise<void> {
  expect(await r.ch.pay(req)).toMatchObject({ outcome: 'PENDING' });
  await eventually(async () => ((await r.ch.query(req.outTradeNo)).status === 'PAID' ? true : null));
}

test('a restart keeps the trades, refunds, buyer tokens and bill, and resumes what was pending', async () => {
  let r = await start();
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
  r = await restart(PAY_DELAY_MS + 200);
  expect(existsSync(journalFile.replace(/\.jsonl$/, '.wechat.jsonl'))).toBe(true);
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
  let r = await start();
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
  r = await restart(PAY_DELAY_MS + 200);
  await eventually(async () =>
    (await r.ch.refundQuery(trade.outTradeNo, refund.outRequestNo)).status === 'SUCCEEDED' ? true : null,
  );
  const ended = await rawRefund(r, refund.outRequestNo);
  expect(ended).toMatchObject({ body: { status: 'SUCCESS', success_time: expect.any(String) } });
  const successTime = ended.answered ? String(ended.body?.success_time) : '';
  expect(new Date(successTime).getTime()).toBeGreaterThanOrEqual(downAt);

  // The sandbox died while writing the refund's end (the last line, torn): the money had moved, the
  // refund's line was not whole. After the restart it ends SUCCESS again without paying out twice.
  await running?.server.close();
  running = null;
  const wechatJournal = journalFile.replace(/\.jsonl$/, '.wechat.jsonl');
  const lines = readFileSync(wechatJournal, 'utf8').trimEnd().split('\n');
  expect(lines.at(-1)).toContain('"wechatRefund"');
  writeFileSync(wechatJournal, `${lines.slice(0, -1).join('\n')}\n${lines.at(-1)?.slice(0, 40)}`);
  r = await start();
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

function countOf(outTradeNo: string): number {
  return notified.filter((no) => no === outTradeNo).length;
}

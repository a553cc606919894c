import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beijingDay } from '../../../src/channels/beijing-time';
import { createChannelRegistry } from '../../../src/channels/channel-registry';
import type { BillRow, ChannelPort } from '../../../src/channels/channel-port';
import { sandboxAccountConfigs } from '../../../src/channels/sandbox/sandbox-accounts';
import { startSandboxServer, type SandboxServer } from '../../../src/channels/sandbox/sandbox-server';
import { eventually, paidByQuery, payRequest, sleep } from './support/sandbox-harness';

/** The sandbox keeps its trades, refunds and bills across its own restarts (contract section 4). */
let dataDir: string;
let receiver: Server;
let receiverUrl: string;
const notifies: Record<string, string>[] = [];
/** Trades whose notifies the receiver refuses (answers `fail`) while the first sandbox runs. */
const refused = new Set<string>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sandbox-journal-'));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      notifies.push(fields);
      res.end(refused.has(fields.out_trade_no ?? '') ? 'fail' : 'success');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ server: SandboxServer; channel: ChannelPort }> {
  const server = await startSandboxServer({
    port: 0,
    dataDir,
    journalFile: join(dataDir, 'journal.jsonl'),
    payDelayMs: 400,
    // Retries far later than the test: only a restart's resend can deliver a refused notify.
    notifyScheduleScale: 1,
  });
  const accounts = sandboxAccountConfigs({
    sandboxUrl: server.url,
    notifyBaseUrl: receiverUrl,
    dataDir,
    timeoutMs: 2000,
  });
  return { server, channel: createChannelRegistry(accounts).get('sandbox') };
}

test('a restart on the same journal keeps trades, refunds and bills, and resumes what was pending', async () => {
  const first = await start();
  const paid = payRequest('sim_success');
  expect((await first.channel.pay(paid)).outcome).toBe('PENDING');
  const paidBefore = await paidByQuery(first.channel, paid.outTradeNo);
  const refund = { outTradeNo: paid.outTradeNo, outRequestNo: `${paid.outTradeNo}-r1`, currency: 'CNY' };
  expect((await first.channel.refund({ ...refund, amount: 500 })).outcome).toBe('SUCCEEDED');
  const unacknowledged = payRequest('sim_success');
  refused.add(unacknowledged.outTradeNo);
  await first.channel.pay(unacknowledged);
  await paidByQuery(first.channel, unacknowledged.outTradeNo);
  await eventually(() => (notifiesOf(unacknowledged.outTradeNo).length === 1 ? true : undefined));
  // Its buyer pays 400 ms after the trade was created: the sandbox is down by then.
  const buyerDue = payRequest('sim_success');
  await first.channel.pay(buyerDue);
  await first.server.close();
  refused.clear();
  await sleep(500);

  const second = await start();
  try {
    const again = await second.channel.query(paid.outTradeNo);
    expect(again).toMatchObject({ status: 'PAID', amount: 1999 });
    expect(again.status === 'PAID' && again.channelTradeNo).toBe(paidBefore.channelTradeNo);
    expect(await second.channel.refundQuery(paid.outTradeNo, refund.outRequestNo)).toMatchObject({
      status: 'SUCCEEDED',
      amount: 500,
    });
    // The same refund again moves no money; more than what is left is refused.
    expect((await second.channel.refund({ ...refund, amount: 500 })).outcome).toBe('SUCCEEDED');
    const over = await second.channel.refund({
      ...refund,
      outRequestNo: `${paid.outTradeNo}-r2`,
      amount: 1500,
    });
    expect(over.outcome).toBe('FAILED');

    const rows: BillRow[] = [];
    for await (const row of second.channel.billRows(beijingDay(new Date()))) rows.push(row);
    const ofPaid = rows.filter((row) => row.outTradeNo === paid.outTradeNo);
    expect(ofPaid.map((row) => [row.kind, row.amount]).sort()).toEqual([
      ['PAYMENT', 1999],
      ['REFUND', 500],
    ]);

    // The notify the service never acknowledged is sent again; the acknowledged one is not.
    await eventually(() => (notifiesOf(unacknowledged.outTradeNo).length === 2 ? true : undefined));
    expect(notifiesOf(unacknowledged.outTradeNo).at(-1)?.trade_status).toBe('TRADE_SUCCESS');
    expect(notifiesOf(paid.outTradeNo)).toHaveLength(1);
    // The buyer due while the sandbox was down pays once it is back, and the notify says so.
    await paidByQuery(second.channel, buyerDue.outTradeNo);
    await eventually(() => (notifiesOf(buyerDue.outTradeNo).length === 1 ? true : undefined));
  } finally {
    await second.server.close();
  }
});

function notifiesOf(outTradeNo: string): Record<string, string>[] {
  return notifies.filter((fields) => fields.out_trade_no === outTradeNo);
}

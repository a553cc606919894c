import { randomInt } from 'node:crypto';
import type { BillEntry } from '../../../src/channels/sandbox/bill-entries';
import { gzipBill, wechatBillText } from '../../../src/channels/sandbox/wechat/wechat-bill-file';
import type { WechatSandboxKeys } from '../../../src/channels/sandbox/wechat/wechat-keys';
import type { BillRow } from '../../../src/channels/channel-port';
import { readWechatBillFile, streamWechatBillFile } from '../../../src/channels/wechatpay/wechatpay-bill';

/** The WeChat bill read as it arrives: gunzip and CSV parser streamed, the SHA1 checked on the way. */
const keys = { appId: 'wx8888888888888888', mchId: '1900000109' } as WechatSandboxKeys;
const ROWS = 20_000;
const CHUNK = 4096;

/** A bill of `count` payments (random trade numbers, so that it does not compress to nothing). */
function bill(count: number): { file: Buffer; sha1: string } {
  const entries: BillEntry[] = Array.from({ length: count }, (_, i) => {
    const at = new Date(Date.UTC(2024, 1, 1, 2, 0, i % 3600));
    return {
      type: '交易',
      tradeNo: `42${String(randomInt(1e9)).padStart(9, '0')}${String(i).padStart(8, '0')}`,
      outTradeNo: `pay_${i}-1`,
      subject: '拿铁, 大杯',
      createdAt: at,
      finishedAt: at,
      orderFen: 100 + i,
      receivedFen: 100 + i,
      refundRequestNo: null,
    };
  });
  return gzipBill(wechatBillText(keys, entries, { refundIdOf: () => '0', attachOf: () => 'sim_success' }));
}

/** The file in small chunks as a download hands them over, counting how many were taken. */
function source(file: Buffer): {
  chunks: AsyncGenerator<Buffer>;
  taken: () => number;
  total: number;
  ended: () => boolean;
} {
  let taken = 0;
  let ended = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for (let at = 0; at < file.length; at += CHUNK) {
        taken += 1;
        yield file.subarray(at, at + CHUNK);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      ended = true;
    }
  }
  return { chunks: chunks(), taken: () => taken, total: Math.ceil(file.length / CHUNK), ended: () => ended };
}

const { file, sha1 } = bill(ROWS);

test('rows come out while the file is still arriving, and all of them match the whole-file reading', async () => {
  const input = source(file);
  expect(input.total).toBeGreaterThan(20);
  const rows: BillRow[] = [];
  let takenAtFirstRow = 0;
  for await (const row of streamWechatBillFile(input.chunks, sha1, '2024-02-01')) {
    if (rows.length === 0) takenAtFirstRow = input.taken();
    rows.push(row);
  }
  expect(takenAtFirstRow).toBeLessThan(input.total / 2);
  expect(input.taken()).toBe(input.total);
  expect(rows).toHaveLength(ROWS);
  expect(rows).toEqual(readWechatBillFile(file, sha1, '2024-02-01'));
  expect(rows.reduce((sum, row) => sum + row.amount, 0)).toBe(ROWS * 100 + (ROWS * (ROWS - 1)) / 2);
});

test('a file that is not the one the answer vouched for throws, at its end', async () => {
  const rows = streamWechatBillFile(source(file).chunks, 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 'd');
  await expect(collect(rows)).rejects.toThrow(/SHA1/);
});

test('a download cut short (a torn gzip) throws, never a short bill', async () => {
  const torn = file.subarray(0, Math.floor(file.length / 2));
  await expect(collect(streamWechatBillFile(source(torn).chunks, sha1, 'd'))).rejects.toThrow();
});

test('a caller that stops early stops the download', async () => {
  const input = source(file);
  let seen = 0;
  for await (const _row of streamWechatBillFile(input.chunks, sha1, 'd')) {
    seen += 1;
    if (seen === 10) break;
  }
  await new Promise((resolve) => setImmediate(resolve));
  expect(input.ended()).toBe(true);
  expect(input.taken()).toBeLessThan(input.total);
});

async function collect(rows: AsyncIterable<BillRow>): Promise<BillRow[]> {
  const out: BillRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

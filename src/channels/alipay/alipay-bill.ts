import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BillCsv, BillRow } from '../channel-port';
import { readAlipayBillCsv } from './alipay-bill-csv';
import { text } from './alipay-fields';
import type { AlipayGateway } from './alipay-gateway';
import { readAlipayBillZip } from './alipay-bill-zip';

/** A bill may be large and is fetched once a day: allow it more time than a trade call. */
const MIN_BILL_DOWNLOAD_MS = 30_000;

/**
 * The day's trade bill: ask the gateway for the download URL, download the zip to a temporary file (a
 * zip's index is at its end, so it cannot be read as it arrives), then stream its business detail.
 * Throws when the channel has no bill or the file is malformed: a reconciliation run must fail loudly,
 * not see nothing. The temporary file goes when the rows end or the caller stops.
 */
export async function* downloadAlipayBill(
  gateway: AlipayGateway,
  billDate: string,
  timeoutMs: number,
): AsyncGenerator<BillRow> {
  const { file, remove } = await downloadBillZip(gateway, billDate, timeoutMs);
  try {
    yield* readAlipayBillZip(file);
  } finally {
    await remove();
  }
}

/** The same download, as CSV text for a bulk load (readAlipayBillCsv); the file goes when the text ends. */
export async function downloadAlipayBillCsv(
  gateway: AlipayGateway,
  billDate: string,
  timeoutMs: number,
): Promise<BillCsv> {
  const { file, remove } = await downloadBillZip(gateway, billDate, timeoutMs);
  return readAlipayBillCsv(file, remove);
}

async function downloadBillZip(
  gateway: AlipayGateway,
  billDate: string,
  timeoutMs: number,
): Promise<{ file: string; remove: () => Promise<void> }> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate)) throw new Error(`bill date must be yyyy-MM-dd, got ${billDate}`);
  const call = await gateway.call('alipay.data.dataservice.bill.downloadurl.query', {
    bill_type: 'trade',
    bill_date: billDate,
  });
  if (!call.answered) throw new Error(`bill download URL for ${billDate}: ${call.code} ${call.message}`);
  const url = call.answer.outcome === 'SUCCESS' ? text(call.answer.fields, 'bill_download_url') : null;
  if (url === null) throw new Error(`no bill for ${billDate}: ${call.answer.code} ${call.answer.message}`);

  const dir = await mkdtemp(join(tmpdir(), 'alipay-bill-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const file = join(dir, `${billDate}.csv.zip`);
    const response = await fetch(url, {
      signal: AbortSignal.timeout(Math.max(timeoutMs, MIN_BILL_DOWNLOAD_MS)),
    });
    if (!response.ok || !response.body) {
      throw new Error(`bill download for ${billDate} answered HTTP ${response.status}`);
    }
    await pipeline(Readable.fromWeb(response.body), createWriteStream(file));
    return { file, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

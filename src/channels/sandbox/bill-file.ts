import { PassThrough, Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { ZipFile } from 'yazl';
import { beijingDayRange, formatBeijingTime } from '../beijing-time';
import { toDecimalString } from '../../domain/money';
import { DETAIL_COLUMNS, SUMMARY_COLUMNS } from './bill-columns';
import type { BillEntry } from './bill-entries';

const DASHES = '-----------------------------------------';
const ZERO = '0.00';
const BUYER = 'sbx***@sandbox.local';

export interface BillMeta {
  /** The account's partner id (2088…), as `#账号：[…]` and in the file names. */
  pid: string;
  /** The Beijing day, `yyyy-MM-dd`. */
  day: string;
  exportedAt: Date;
}

interface Totals {
  payments: number;
  paidFen: number;
  refunds: number;
  refundedFen: number;
}

/** `<pid>_<yyyymmdd>.csv.zip`, the name Alipay downloads the day's bill as. */
export function billZipName(meta: Pick<BillMeta, 'pid' | 'day'>): string {
  return `${meta.pid}_${meta.day.replaceAll('-', '')}.csv.zip`;
}

/**
 * The day's bill as Alipay serves it: a zip of two GBK CSVs, `<pid>_<yyyymmdd>_业务明细.csv` (a row per
 * payment and per refund between `#` header and trailer lines) and `…_业务明细(汇总).csv` (the totals).
 * Streamed: the detail is written as the entries come, the summary once their totals are known.
 */
export function alipayBillZip(
  meta: BillMeta,
  entries: Iterable<BillEntry> | AsyncIterable<BillEntry>,
): NodeJS.ReadableStream {
  const totals: Totals = { payments: 0, paidFen: 0, refunds: 0, refundedFen: 0 };
  const base = `${meta.pid}_${meta.day.replaceAll('-', '')}_业务明细`;
  const zip = new ZipFile();
  zip.addReadStream(gbkCsv(detailRecords(meta, entries, totals)), `${base}.csv`, { mtime: meta.exportedAt });
  // Lazy: yazl opens it only after the detail has been read to its end, so the totals are complete.
  zip.addReadStreamLazy(`${base}(汇总).csv`, { mtime: meta.exportedAt }, (done) =>
    done(null, gbkCsv(summaryRecords(meta, totals))),
  );
  zip.end();
  // yazl reports a failed input on the zip, not on its output: pass it on, so no reader waits forever.
  const out = new PassThrough();
  zip.on('error', (err: Error) => out.destroy(err));
  return zip.outputStream.pipe(out);
}

/** Records per csv-stringify call: one stream chunk per batch rather than per row (a bill may be big). */
const BATCH = 2000;

function gbkCsv(records: Iterable<string[]> | AsyncIterable<string[]>): NodeJS.ReadableStream {
  const out = new PassThrough();
  pipeline(
    Readable.from(csvChunks(records)),
    iconv.encodeStream('gbk'),
    out,
    (err) => err && out.destroy(err),
  );
  return out;
}

async function* csvChunks(records: Iterable<string[]> | AsyncIterable<string[]>): AsyncGenerator<string> {
  let batch: string[][] = [];
  for await (const record of records) {
    batch.push(record);
    if (batch.length < BATCH) continue;
    yield stringify(batch, { record_delimiter: 'windows' });
    batch = [];
  }
  if (batch.length > 0) yield stringify(batch, { record_delimiter: 'windows' });
}

async function* detailRecords(
  meta: BillMeta,
  entries: Iterable<BillEntry> | AsyncIterable<BillEntry>,
  totals: Totals,
): AsyncGenerator<string[]> {
  yield* header('#支付宝业务明细查询', meta, '业务明细列表');
  yield [...DETAIL_COLUMNS];
  for await (const entry of entries) {
    if (entry.type === '交易') {
      totals.payments += 1;
      totals.paidFen += entry.receivedFen;
    } else {
      totals.refunds += 1;
      totals.refundedFen -= entry.receivedFen;
    }
    yield detailRow(entry);
  }
  yield [`#${DASHES}业务明细列表结束------------------------------------`];
  yield [`#交易合计：${totals.payments}笔，${sums(totals.paidFen)}`];
  yield [`#退款合计：${totals.refunds}笔，${sums(-totals.refundedFen)}`];
  yield [`#导出时间：[${chineseTime(meta.exportedAt)}]`];
}

function* summaryRecords(meta: BillMeta, totals: Totals): Generator<string[]> {
  const net = yuan(totals.paidFen - totals.refundedFen);
  yield* header('#支付宝业务汇总查询', meta, '业务汇总列表');
  yield [...SUMMARY_COLUMNS];
  const counts = [String(totals.payments), String(totals.refunds)];
  yield ['合计', '', ...counts, yuan(totals.paidFen), net, ZERO, ZERO, ZERO, ZERO, ZERO, net];
  yield [`#${DASHES}业务汇总列表结束------------------------------------`];
  yield [`#导出时间：[${chineseTime(meta.exportedAt)}]`];
}

function* header(title: string, meta: BillMeta, list: string): Generator<string[]> {
  const range = beijingDayRange(meta.day);
  if (!range) throw new Error(`bill day must be yyyy-MM-dd, got ${meta.day}`);
  yield [title];
  yield [`#账号：[${meta.pid}]`];
  yield [`#起始日期：[${chineseTime(range.start)}]   终止日期：[${chineseTime(range.end)}]`];
  yield [`#${DASHES}${list}----------------------------------------`];
}

/** Ids carry a trailing tab, as Alipay writes them (so spreadsheets keep them as text). */
function detailRow(entry: BillEntry): string[] {
  return [
    `${entry.tradeNo}\t`,
    `${entry.outTradeNo}\t`,
    entry.type,
    entry.subject,
    formatBeijingTime(entry.createdAt),
    formatBeijingTime(entry.finishedAt),
    '',
    '',
    '',
    '',
    BUYER,
    yuan(entry.orderFen),
    yuan(entry.receivedFen),
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    ZERO,
    '',
    ZERO,
    ZERO,
    entry.refundRequestNo === null ? '' : `${entry.refundRequestNo}\t`,
    ZERO,
    ZERO,
    '',
  ];
}

function sums(receivedFen: number): string {
  return `商家实收共${yuan(receivedFen)}元，商家优惠共0.00元，支付宝优惠共0.00元，服务费共0.00元`;
}

/** Yuan with two decimals, negative with a leading minus. */
function yuan(fen: number): string {
  return fen < 0 ? `-${toDecimalString(-fen, 'CNY')}` : toDecimalString(fen, 'CNY');
}

/** `2024年02月01日 10:00:00`, Beijing time. */
function chineseTime(at: Date): string {
  const text = formatBeijingTime(at);
  return `${text.slice(0, 4)}年${text.slice(5, 7)}月${text.slice(8, 10)}日 ${text.slice(11)}`;
}

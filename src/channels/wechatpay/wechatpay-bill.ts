import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { beijingDay } from '../beijing-time';
import type { BillRow } from '../channel-port';
import { WechatBillRecords } from './wechatpay-bill-records';
import { errorOf, type WechatPayClient } from './wechatpay-client';
import { str } from './wechatpay-fields';

/** A bill may be large and is fetched once a day: allow it more time than a trade call. */
const MIN_BILL_DOWNLOAD_MS = 30_000;
const CSV_OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: true } as const;

/**
 * The day's trade bill (bill_type ALL, tar_type GZIP): the answer names the file and its SHA1, the file
 * is downloaded (the library skips answer signatures there: the digest vouches for it) and streamed as it
 * arrives through gunzip and a real CSV parser (商户数据包 may hold commas), never whole in memory. Every
 * value starts with a backtick and the file with a BOM; both are stripped. Throws for no bill or a bad
 * file. Refund rows carry the refund's time only, so their createdAt is that time too.
 */
export async function* downloadWechatBill(
  client: WechatPayClient,
  billDate: string,
): AsyncGenerator<BillRow> {
  const call = await client.call('GET', '/v3/bill/tradebill', {
    params: { bill_date: billDate, bill_type: 'ALL', tar_type: 'GZIP' },
  });
  if (!call.answered) throw new Error(`WeChat bill ${billDate}: ${call.code} ${call.message}`);
  if (call.status !== 200) {
    const { code, message } = errorOf(call);
    // WeChat makes no bill for a day without a successful trade: a past day's NO_STATEMENT_EXIST is an
    // empty bill (any success we hold for it is then LOCAL_ONLY, never hidden). STATEMENT_CREATING, or
    // today or a day to come, is no bill yet: the run fails and is retried.
    if (code === 'NO_STATEMENT_EXIST' && billDate < beijingDay(new Date())) return;
    throw new Error(`WeChat bill ${billDate}: ${code} ${message}`);
  }
  const downloadUrl = str(call.body, 'download_url');
  const hash = str(call.body, 'hash_value');
  if (downloadUrl === null || hash === null)
    throw new Error(`WeChat bill ${billDate}: answer lacks download_url`);
  const at = new URL(downloadUrl);
  const file = await client.v3.get<Readable>(at.pathname, {
    baseURL: at.origin,
    params: Object.fromEntries(at.searchParams),
    responseType: 'stream',
    timeout: Math.max(client.account.timeoutMs, MIN_BILL_DOWNLOAD_MS),
  });
  if (file.status !== 200) {
    file.data.destroy();
    throw new Error(`WeChat bill ${billDate}: download answered HTTP ${file.status}`);
  }
  yield* streamWechatBillFile(file.data, hash, billDate);
}

/**
 * The gzip as it arrives: unzipped and parsed record by record, its SHA1 (of the bill itself, as WeChat
 * gives it) taken over the unzipped bytes on their way to the parser. The digest and the summary can only
 * be checked at the end: a bad file throws then, after its rows, so a caller must treat the rows as read
 * only once the iteration ends (the reconciliation's staging load fails and starts over on a throw).
 */
export async function* streamWechatBillFile(
  gzip: Readable | AsyncIterable<Buffer>,
  sha1: string,
  billDate: string,
): AsyncGenerator<BillRow> {
  const digest = createHash('sha1');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk);
      done(null, chunk);
    },
  });
  const parser = parse(CSV_OPTIONS);
  // A failure anywhere (a torn gzip, the download cut) destroys the parser with it: the loop throws it.
  const piped = pipeline(gzip, createGunzip(), hashing, parser);
  piped.catch(() => undefined);
  const records = new WechatBillRecords();
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const row = records.take(record);
      if (row) yield row;
    }
    await piped;
  } finally {
    // The caller may stop early: the download goes with the parser.
    parser.destroy();
  }
  checkDigest(digest.digest('hex'), sha1, billDate);
  records.end();
}

/** The downloaded gzip, whole: unzipped, checked against the SHA1 the answer gave, parsed. */
export function readWechatBillFile(gzip: Buffer, sha1: string, billDate: string): BillRow[] {
  const raw = gunzipSync(gzip);
  checkDigest(createHash('sha1').update(raw).digest('hex'), sha1, billDate);
  return parseWechatBill(raw.toString('utf8'));
}

/** The rows of a bill's text (money that moved: successful payments and refunds); exported for tests. */
export function parseWechatBill(text: string): BillRow[] {
  const records = new WechatBillRecords();
  const rows: BillRow[] = [];
  const parsed: string[][] = parseSync(text.replace(/^\uFEFF/, ''), CSV_OPTIONS);
  for (const record of parsed) {
    const row = records.take(record);
    if (row) rows.push(row);
  }
  records.end();
  return rows;
}

function checkDigest(actual: string, sha1: string, billDate: string): void {
  if (actual !== sha1.toLowerCase()) throw new Error(`WeChat bill ${billDate}: file does not match its SHA1`);
}

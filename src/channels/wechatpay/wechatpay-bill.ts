import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { beijingDay, parseBeijingTime } from '../beijing-time';
import { parseDecimalString } from '../../domain/money';
import type { BillRow } from '../channel-port';
import { errorOf, type WechatPayClient } from './wechatpay-client';
import { str } from './wechatpay-fields';

const SUMMARY_FIRST_COLUMN = '总交易单数';

/**
 * The day's trade bill (bill_type ALL, tar_type GZIP): the answer names the file and its SHA1, the file
 * is downloaded (the library skips answer signatures there: the digest vouches for it), unzipped, checked
 * against the digest and parsed with a real CSV parser, because 商户数据包 may hold commas. Every value
 * starts with a backtick and the file with a BOM; both are stripped. Throws for no bill or a bad file.
 * Refund rows carry the refund's time only, so their createdAt is that time too.
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
  const file = await client.v3.get<ArrayBuffer>(at.pathname, {
    baseURL: at.origin,
    params: Object.fromEntries(at.searchParams),
    responseType: 'arraybuffer',
  });
  if (file.status !== 200) throw new Error(`WeChat bill ${billDate}: download answered HTTP ${file.status}`);
  yield* readWechatBillFile(Buffer.from(file.data), hash, billDate);
}

/** The downloaded gzip: unzipped, checked against the SHA1 the answer gave (of the bill itself), parsed. */
export function readWechatBillFile(gzip: Buffer, sha1: string, billDate: string): BillRow[] {
  const raw = gunzipSync(gzip);
  if (createHash('sha1').update(raw).digest('hex') !== sha1.toLowerCase()) {
    throw new Error(`WeChat bill ${billDate}: file does not match its SHA1`);
  }
  return parseWechatBill(raw.toString('utf8'));
}

/**
 * 交易状态 of a detail row: SUCCESS is a payment, REFUND a refund (its 退款状态 says whether money went
 * back), REVOKED a trade reversed before the merchant kept anything. Any other is refused: a bill we
 * cannot read must fail the run, not hide money.
 */
const TRADE_STATES = { SUCCESS: 'PAYMENT', REFUND: 'REFUND', REVOKED: 'SKIP' } as const;
/**
 * 退款状态 of a refund row: only SUCCESS returned money. PROCESSING may succeed later (a later bill shows
 * it); REFUNDCLOSE/CLOSED returned nothing; CHANGE/ABNORMAL is stuck until an operator acts at WeChat.
 */
const REFUND_STATES = {
  SUCCESS: 'REFUND',
  PROCESSING: 'SKIP',
  REFUNDCLOSE: 'SKIP',
  CLOSED: 'SKIP',
  CHANGE: 'SKIP',
  ABNORMAL: 'SKIP',
} as const;

const kindOf = (states: Record<string, string>, value: string): string | undefined =>
  Object.hasOwn(states, value) ? states[value] : undefined;

/** The rows of a bill's text (money that moved: successful payments and refunds); exported for tests. */
export function parseWechatBill(text: string): BillRow[] {
  const records: string[][] = parse(text.replace(/^\uFEFF/, ''), {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  });
  const cells = records.map((record) => record.map((cell) => cell.replace(/^`/, '')));
  const [header, ...rest] = cells;
  const summaryAt = rest.findIndex((record) => record[0] === SUMMARY_FIRST_COLUMN);
  if (!header || summaryAt < 0) throw new Error('WeChat bill: no detail header or no summary');
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`WeChat bill: no column ${name}`);
    return index;
  };
  const at = {
    time: column('交易时间'),
    tradeNo: column('微信订单号'),
    outTradeNo: column('商户订单号'),
    state: column('交易状态'),
    refundState: column('退款状态'),
    currency: column('货币种类'),
    settled: column('应结订单金额'),
    outRefundNo: column('商户退款单号'),
    refunded: column('退款金额'),
  };
  const detail = rest.slice(0, summaryAt);
  const summary = rest[summaryAt + 1];
  if (!summary || Number(summary[0]) !== detail.length)
    throw new Error('WeChat bill: summary count differs from rows');
  const rows: BillRow[] = [];
  detail.forEach((record, index) => {
    if (record.length !== header.length)
      throw new Error(`WeChat bill row ${index + 1}: ${record.length} columns`);
    const cell = (i: number): string => record[i] ?? '';
    let kind = kindOf(TRADE_STATES, cell(at.state));
    if (kind === 'REFUND') kind = kindOf(REFUND_STATES, cell(at.refundState));
    if (kind === undefined) {
      throw new Error(`WeChat bill row ${index + 1}: state ${cell(at.state)}/${cell(at.refundState)}`);
    }
    if (kind === 'SKIP') return;
    const when = parseBeijingTime(cell(at.time));
    const currency = cell(at.currency) || 'CNY';
    const refund = kind === 'REFUND';
    const amount = parseDecimalString(cell(refund ? at.refunded : at.settled), currency);
    if (!when || amount === null || amount <= 0)
      throw new Error(`WeChat bill row ${index + 1}: bad time or amount`);
    rows.push({
      kind: refund ? 'REFUND' : 'PAYMENT',
      channelTradeNo: cell(at.tradeNo),
      outTradeNo: cell(at.outTradeNo),
      outRefundNo: refund ? cell(at.outRefundNo) || null : null,
      amount,
      currency,
      createdAt: when,
      finishedAt: when,
    });
  });
  return rows;
}

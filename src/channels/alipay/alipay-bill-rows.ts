import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { parseDecimalString } from '../../domain/money';
import { parseBeijingTime } from '../beijing-time';
import type { BillRow } from '../channel-port';

/** The columns we read from Alipay's business detail, by their header names. */
const COLUMNS = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  type: '业务类型',
  createdAt: '创建时间',
  finishedAt: '完成时间',
  orderAmount: '订单金额（元）',
  received: '商家实收（元）',
  refundNo: '退款批次号/请求号',
} as const;

const KINDS: Record<string, BillRow['kind']> = { 交易: 'PAYMENT', 退款: 'REFUND' };

type Columns = Record<keyof typeof COLUMNS, number>;

/**
 * Rows of Alipay's business detail CSV (GBK bytes): the `#` lines are comments, the first other line
 * names the columns, which are read by name. Fields read are trimmed of the tabs Alipay pads ids with.
 * Throws on the first row it cannot read: a reconciliation must fail loudly, not miss money.
 * Records come as arrays, indexed through the header, which parses a million rows faster than objects.
 */
export async function* parseAlipayBillDetail(gbkCsv: NodeJS.ReadableStream): AsyncGenerator<BillRow> {
  const parser = parse({
    comment: '#',
    // Only whole lines are comments: a subject may hold a `#`.
    comment_no_infix: true,
    skip_empty_lines: true,
    // Neither `trim` nor `info`: each costs a tenth more per row; the few fields read are trimmed below.
  });
  pipeline(gbkCsv, iconv.decodeStream('gbk'), parser, () => {
    // Errors reach the loop below through the parser, which the pipeline destroys with them.
  });
  let columns: Columns | null = null;
  let rowNo = 0;
  const times = { createdAt: lastTimeCache(), finishedAt: lastTimeCache() };
  for await (const record of parser as AsyncIterable<string[]>) {
    if (columns) yield billRow(record, columns, times, (rowNo += 1));
    else columns = columnsOf(record.map((name) => name.trim()));
  }
  if (!columns) throw new Error('bill has no header row');
}

function columnsOf(header: string[]): Columns {
  const missing = Object.values(COLUMNS).filter((name) => !header.includes(name));
  if (missing.length > 0) throw new Error(`bill lacks column ${missing.join(', ')}`);
  const entries = Object.entries(COLUMNS).map(([key, name]) => [key, header.indexOf(name)]);
  return Object.fromEntries(entries) as Columns;
}

type TimeParser = (text: string) => Date | null;

/** Bill rows come in time order, so neighbours share their second: parse each text once. */
function lastTimeCache(): TimeParser {
  let lastText = '';
  let last: Date | null = null;
  return (text) => {
    if (text !== lastText) {
      lastText = text;
      last = parseBeijingTime(text);
    }
    return last && new Date(last.getTime());
  };
}

function billRow(
  record: string[],
  at: Columns,
  times: Record<'createdAt' | 'finishedAt', TimeParser>,
  rowNo: number,
): BillRow {
  // Alipay pads ids with a trailing tab (so that spreadsheets keep them as text).
  const field = (index: number): string => (record[index] ?? '').trim();
  const kind = KINDS[field(at.type)];
  // A payment's amount is the order's; a refund's is its negative 商家实收, the money returned.
  const amountText = kind === 'REFUND' ? field(at.received).replace(/^-/, '') : field(at.orderAmount);
  const amount = parseDecimalString(amountText, 'CNY');
  const createdAt = times.createdAt(field(at.createdAt));
  const finishedAt = times.finishedAt(field(at.finishedAt));
  const channelTradeNo = field(at.tradeNo);
  const outTradeNo = field(at.outTradeNo);
  if (
    !kind ||
    amount === null ||
    amount <= 0 ||
    !createdAt ||
    !finishedAt ||
    !channelTradeNo ||
    !outTradeNo
  ) {
    throw new Error(`bill row ${rowNo} is malformed: ${record.join(',')}`);
  }
  return {
    kind,
    channelTradeNo,
    outTradeNo,
    outRefundNo: kind === 'REFUND' ? field(at.refundNo) || null : null,
    amount,
    currency: 'CNY',
    createdAt,
    finishedAt,
  };
}

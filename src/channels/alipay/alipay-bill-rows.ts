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

/**
 * Rows of Alipay's business detail CSV (GBK bytes): the `#` lines are comments, the first other line
 * names the columns, which are read by name. Fields are trimmed of the tabs Alipay pads ids with.
 * Throws on the first row it cannot read: a reconciliation must fail loudly, not miss money.
 */
export async function* parseAlipayBillDetail(gbkCsv: NodeJS.ReadableStream): AsyncGenerator<BillRow> {
  const parser = parse({
    comment: '#',
    // Only whole lines are comments: a subject may hold a `#`.
    comment_no_infix: true,
    columns: (header: string[]) => {
      const missing = Object.values(COLUMNS).filter((name) => !header.includes(name));
      if (missing.length > 0) throw new Error(`bill lacks column ${missing.join(', ')}`);
      return header;
    },
    trim: true,
    skip_empty_lines: true,
    // Each record with its own line number, for the error that names a malformed one.
    info: true,
  });
  pipeline(gbkCsv, iconv.decodeStream('gbk'), parser, () => {
    // Errors reach the loop below through the parser, which the pipeline destroys with them.
  });
  type Parsed = { record: Record<string, string>; info: { lines: number } };
  for await (const { record, info } of parser as AsyncIterable<Parsed>) yield billRow(record, info.lines);
}

function billRow(record: Record<string, string>, line: number): BillRow {
  const field = (name: string): string => record[name] ?? '';
  const kind = KINDS[field(COLUMNS.type)];
  // A payment's amount is the order's; a refund's is its negative 商家实收, the money returned.
  const amountText =
    kind === 'REFUND' ? field(COLUMNS.received).replace(/^-/, '') : field(COLUMNS.orderAmount);
  const amount = parseDecimalString(amountText, 'CNY');
  const createdAt = parseBeijingTime(field(COLUMNS.createdAt));
  const finishedAt = parseBeijingTime(field(COLUMNS.finishedAt));
  const channelTradeNo = field(COLUMNS.tradeNo);
  const outTradeNo = field(COLUMNS.outTradeNo);
  if (
    !kind ||
    amount === null ||
    amount <= 0 ||
    !createdAt ||
    !finishedAt ||
    !channelTradeNo ||
    !outTradeNo
  ) {
    throw new Error(`bill line ${line} is malformed: ${JSON.stringify(record)}`);
  }
  return {
    kind,
    channelTradeNo,
    outTradeNo,
    outRefundNo: kind === 'REFUND' ? field(COLUMNS.refundNo) || null : null,
    amount,
    currency: 'CNY',
    createdAt,
    finishedAt,
  };
}

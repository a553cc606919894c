import yauzl from 'yauzl';
import { parseDecimalString } from '../../domain/money';
import type { BillCsv, BillCsvLayout, BillTotals } from '../channel-port';
import { BillLineSplitter } from './alipay-bill-lines';
import { detailEntry } from './alipay-bill-zip';

/** Alipay's business detail, by header name: the same columns the row reader (alipay-bill-rows.ts) reads. */
export const ALIPAY_BILL_LAYOUT: BillCsvLayout = {
  channelTradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  kind: '业务类型',
  kinds: { 交易: 'PAYMENT', 退款: 'REFUND' },
  createdAt: '创建时间',
  finishedAt: '完成时间',
  paymentAmount: '订单金额（元）',
  refundAmount: '商家实收（元）',
  received: '商家实收（元）',
  outRefundNo: '退款批次号/请求号',
  currency: 'CNY',
  utcOffset: '+08',
};

/** `#交易合计：N笔，商家实收共X元…` and `#退款合计：…`, the trailer lines that state the bill's totals. */
const TOTALS = /^#(交易|退款)合计：(\d+)笔，商家实收共(-?)([0-9.]+)元/;

/**
 * An Alipay bill zip (a file path, or the bytes) as CSV text for a bulk load: the business detail file,
 * picked by name (as readAlipayBillZip), split as it streams into `#` lines, header row and records
 * (GBK bytes, as they are). Resolves once the header row is read; `done` runs when the records end or fail.
 */
export async function readAlipayBillCsv(
  source: string | Buffer,
  done: () => Promise<void> = async () => undefined,
): Promise<BillCsv> {
  const options = { lazyEntries: true, autoClose: false };
  let zip: yauzl.ZipFile | null = null;
  try {
    zip =
      typeof source === 'string'
        ? await yauzl.openPromise(source, options)
        : await yauzl.fromBufferPromise(source, options);
    const entry = await zip.openReadStreamPromise(await detailEntry(zip));
    // A broken zip (a bad CRC, a cut file) fails the entry stream, and the records with it.
    const chunks = (entry as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const lines = new BillLineSplitter();
    const first: Array<{ bytes: Buffer; rows: number }> = [];
    while (!lines.header) {
      const next = await chunks.next();
      if (next.done) throw new Error('bill has no header row');
      first.push(lines.push(next.value));
    }
    const open = zip;
    async function* data(): AsyncGenerator<{ bytes: Buffer; rows: number }> {
      try {
        yield* first.filter((c) => c.rows > 0);
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          const c = lines.push(next.value);
          if (c.rows > 0) yield c;
        }
        const last = lines.end();
        if (last.rows > 0) yield last;
        if (!totalsOf(lines.comments)) throw new Error('bill states no totals (#交易合计 / #退款合计 lines)');
      } finally {
        entry.destroy();
        open.close();
        await done();
      }
    }
    return {
      header: lines.header,
      layout: ALIPAY_BILL_LAYOUT,
      // The rows are decoded by PostgreSQL as it parses them: decoding a million rows in Node (iconv-lite)
      // took as long as unzipping them, on the core PostgreSQL's parse needs. What we read ourselves (the
      // header, the `#` lines) iconv-lite decodes.
      encoding: 'GBK',
      data: data(),
      totals: () => totalsOf(lines.comments),
    };
  } catch (err) {
    zip?.close();
    await done();
    throw err;
  }
}

/** The totals of the trailer lines, in fen; null unless both lines are there and readable. */
export function totalsOf(comments: string[]): BillTotals | null {
  const totals: Partial<BillTotals> = {};
  for (const line of comments) {
    const m = TOTALS.exec(line);
    const fen = m ? parseDecimalString(m[4]!, 'CNY') : null;
    if (!m || fen === null) continue;
    totals[m[1] === '交易' ? 'PAYMENT' : 'REFUND'] = { rows: Number(m[2]), received: m[3] ? -fen : fen };
  }
  return totals.PAYMENT && totals.REFUND ? { PAYMENT: totals.PAYMENT, REFUND: totals.REFUND } : null;
}

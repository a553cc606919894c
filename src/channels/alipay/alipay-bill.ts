import { parseDecimalString } from '../../domain/money';
import { parseBeijingTime } from '../beijing-time';
import type { BillRow } from '../channel-port';
import { text } from './alipay-fields';
import type { AlipayGateway } from './alipay-gateway';

/** A bill may be large and is fetched once a day: allow it more time than a trade call. */
const MIN_BILL_DOWNLOAD_MS = 30_000;

/**
 * The day's trade bill: ask the gateway for the download URL, fetch it, parse it. Throws when the
 * channel has no bill or the file is malformed: a reconciliation run must fail loudly, not see nothing.
 * Reads the CSV itself (UTF-8, as the sandbox serves it); Alipay's production file is a GBK CSV in a
 * zip, which would need unpacking first.
 */
export async function downloadAlipayBill(
  gateway: AlipayGateway,
  billDate: string,
  timeoutMs: number,
): Promise<BillRow[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate)) throw new Error(`bill date must be yyyy-MM-dd, got ${billDate}`);
  const call = await gateway.call('alipay.data.dataservice.bill.downloadurl.query', {
    bill_type: 'trade',
    bill_date: billDate,
  });
  if (!call.answered) throw new Error(`bill download URL for ${billDate}: ${call.code} ${call.message}`);
  const url = call.answer.outcome === 'SUCCESS' ? text(call.answer.fields, 'bill_download_url') : null;
  if (url === null) throw new Error(`no bill for ${billDate}: ${call.answer.code} ${call.answer.message}`);
  const response = await fetch(url, {
    signal: AbortSignal.timeout(Math.max(timeoutMs, MIN_BILL_DOWNLOAD_MS)),
  });
  if (!response.ok) throw new Error(`bill download for ${billDate} answered HTTP ${response.status}`);
  return parseAlipayBill(await response.text());
}

/** Rows of Alipay's business detail CSV; `#` lines are comments, the first other line the header. */
export function parseAlipayBill(csv: string): BillRow[] {
  const records = parseCsv(csv).filter(
    (record) => !(record[0] ?? '').startsWith('#') && record.some((f) => f !== ''),
  );
  const [header, ...rows] = records;
  if (!header) throw new Error('bill has no header row');
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`bill lacks column ${name}`);
    return index;
  };
  const at = {
    tradeNo: column('支付宝交易号'),
    outTradeNo: column('商户订单号'),
    type: column('业务类型'),
    finishedAt: column('完成时间'),
    orderAmount: column('订单金额（元）'),
    received: column('商家实收（元）'),
    requestNo: column('退款批次号/请求号'),
  };
  return rows.map((row, index) => {
    const field = (i: number): string => row[i] ?? '';
    const type = field(at.type) === '交易' ? 'PAYMENT' : field(at.type) === '退款' ? 'REFUND' : null;
    // Refund rows carry the refund as negative 商家实收; payment rows the order amount.
    const amountText = type === 'REFUND' ? field(at.received).replace(/^-/, '') : field(at.orderAmount);
    const amount = parseDecimalString(amountText, 'CNY');
    const finishedAt = parseBeijingTime(field(at.finishedAt));
    if (!type || amount === null || !finishedAt || !field(at.tradeNo)) {
      throw new Error(`bill row ${index + 1} is malformed: ${row.join(',')}`);
    }
    return {
      channelTradeNo: field(at.tradeNo),
      outTradeNo: field(at.outTradeNo),
      type,
      outRequestNo: field(at.requestNo) || null,
      amount,
      currency: 'CNY',
      at: finishedAt,
    };
  });
}

/** RFC 4180 records; fields trimmed of the tabs and spaces Alipay pads numbers with. */
function parseCsv(csv: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i += 1) {
    const char = csv[i];
    if (quoted) {
      if (char === '"' && csv[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field.trim());
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && csv[i + 1] === '\n') i += 1;
      record.push(field.trim());
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length > 0) records.push([...record, field.trim()]);
  return records;
}

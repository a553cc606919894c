import { beijingDay, beijingDayRange, formatBeijingTime } from '../beijing-time';
import { toDecimalString } from '../../domain/money';
import { InvalidBizParameter, requiredString } from './biz-fields';
import { businessFailure, succeeded } from './gateway-answers';
import type { GatewayMethod } from './sandbox-context';
import type { SandboxTrade } from './trade-book';

/** Alipay's bill columns, in its order (a subset: discounts, stores and fees are always empty here). */
export const BILL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '订单金额（元）',
  '商家实收（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '备注',
] as const;

/** The path bill_download_url names for that account's day (under the sandbox's base URL). */
export function billFilePath(account: string, day: string): string {
  return `/bills/${account}/${day}.csv`;
}

/** alipay.data.dataservice.bill.downloadurl.query: a URL on the sandbox serving that account's day. */
export const billDownloadUrlQuery: GatewayMethod = (call, ctx) => {
  if (requiredString(call.biz, 'bill_type') !== 'trade')
    throw new InvalidBizParameter('bill_type must be trade');
  const day = requiredString(call.biz, 'bill_date');
  const range = beijingDayRange(day);
  if (!range) throw new InvalidBizParameter('bill_date must be yyyy-MM-dd');
  if (range.start.getTime() > ctx.now.getTime())
    return businessFailure('isp.bill_not_exist', 'no bill for that day yet');
  return succeeded({ bill_download_url: `${ctx.baseUrl}${billFilePath(call.account, day)}` });
};

/**
 * The day's bill as CSV, laid out like Alipay's business detail file: `#` comment lines around one
 * header row, a row per payment (on its payment day) and per refund (on its refund day, negative
 * 商家实收). UTF-8 rather than Alipay's GBK, and not zipped.
 */
export function renderBill(account: string, day: string, trades: SandboxTrade[]): string | null {
  const range = beijingDayRange(day);
  if (!range) return null;
  const rows: string[][] = [];
  let paidFen = 0;
  let refundedFen = 0;
  for (const trade of trades) {
    if (trade.paidAt && beijingDay(trade.paidAt) === day) {
      paidFen += trade.totalFen;
      rows.push(billRow(trade, '交易', trade.paidAt, toDecimalString(trade.totalFen, 'CNY'), ''));
    }
    for (const refund of trade.refunds) {
      if (beijingDay(refund.at) !== day) continue;
      refundedFen += refund.amountFen;
      rows.push(
        billRow(
          trade,
          '退款',
          refund.at,
          `-${toDecimalString(refund.amountFen, 'CNY')}`,
          refund.outRequestNo ?? '',
        ),
      );
    }
  }
  const payments = rows.filter((row) => row[2] === '交易').length;
  return [
    '#支付宝业务明细查询',
    `#账号：[${account}]`,
    `#起始日期：[${day} 00:00:00]   终止日期：[${beijingDay(range.end)} 00:00:00]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    BILL_COLUMNS.join(','),
    ...rows.map((row) => row.map(csvField).join(',')),
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${payments}笔，商家实收：${toDecimalString(paidFen, 'CNY')}元`,
    `#退款合计：${rows.length - payments}笔，商家实收：-${toDecimalString(refundedFen, 'CNY')}元`,
    `#导出时间：[${formatBeijingTime(new Date())}]`,
    '',
  ].join('\r\n');
}

function billRow(
  trade: SandboxTrade,
  type: '交易' | '退款',
  at: Date,
  received: string,
  requestNo: string,
): string[] {
  return [
    trade.tradeNo,
    trade.outTradeNo,
    type,
    trade.subject,
    formatBeijingTime(trade.createdAt),
    formatBeijingTime(at),
    toDecimalString(trade.totalFen, 'CNY'),
    received,
    requestNo,
    '0.00',
    '',
  ];
}

/** RFC 4180 quoting for fields holding commas, quotes or line breaks (a subject may). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

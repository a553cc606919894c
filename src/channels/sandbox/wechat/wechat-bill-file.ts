import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stringify } from 'csv-stringify/sync';
import { formatBeijingTime } from '../../beijing-time';
import { toDecimalString } from '../../../domain/money';
import type { BillEntry } from '../bill-entries';
import type { WechatSandboxKeys } from './wechat-keys';

/** WeChat Pay's trade bill (bill_type ALL) columns, in its order. */
export const WECHAT_DETAIL_COLUMNS = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;

export const WECHAT_SUMMARY_COLUMNS = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
] as const;

const yuan = (fen: number): string => toDecimalString(fen, 'CNY');

/**
 * A bill line: the trade book's entry, or a refund that moved no money. WeChat's bill lists refunds whose
 * 退款状态 is not SUCCESS too (REFUNDCLOSE: closed, nothing returned; CHANGE: abnormal, stuck).
 */
export type WechatBillEntry = BillEntry & { refundStatus?: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE' };

/** What the bill needs beside the trade book's entries: refund ids and the buyer tokens (`attach`). */
export interface WechatBillLookups {
  refundIdOf(outRefundNo: string): string;
  attachOf(outTradeNo: string): string;
}

/**
 * The day's bill as WeChat Pay serves it: a UTF-8 BOM, the detail header, a row per payment and per
 * refund, the summary header and its row. Every value of a data row starts with a backtick (so that
 * spreadsheet programs keep long numbers as text); a value holding a comma (商户数据包 may) is quoted.
 */
export function wechatBillText(
  keys: WechatSandboxKeys,
  entries: WechatBillEntry[],
  lookups: WechatBillLookups,
): string {
  const rows: string[][] = [];
  let paidFen = 0;
  let refundedFen = 0;
  for (const entry of entries) {
    const refund = entry.type === '退款';
    const refundStatus = entry.refundStatus ?? 'SUCCESS';
    const amountFen = Math.abs(entry.receivedFen);
    if (!refund) paidFen += amountFen;
    else if (refundStatus === 'SUCCESS') refundedFen += amountFen;
    rows.push(
      [
        formatBeijingTime(entry.finishedAt),
        keys.appId,
        keys.mchId,
        '0',
        '',
        entry.tradeNo,
        entry.outTradeNo,
        'o-sandbox-buyer',
        'NATIVE',
        refund ? 'REFUND' : 'SUCCESS',
        'OTHERS',
        'CNY',
        refund ? '0.00' : yuan(amountFen),
        '0.00',
        refund && entry.refundRequestNo ? lookups.refundIdOf(entry.refundRequestNo) : '0',
        refund ? (entry.refundRequestNo ?? '0') : '0',
        refund ? yuan(amountFen) : '0.00',
        '0.00',
        refund ? 'ORIGINAL' : '',
        refund ? refundStatus : '',
        entry.subject,
        lookups.attachOf(entry.outTradeNo),
        '0.00000',
        '0.60%',
        // 订单金额 is the payment's own row's; a refund row shows 0.00 there (as WeChat's do).
        refund ? '0.00' : yuan(entry.orderFen),
        refund ? yuan(amountFen) : '0.00',
        '',
      ].map((value) => `\`${value}`),
    );
  }
  const summary = [
    String(entries.length),
    yuan(paidFen),
    yuan(refundedFen),
    '0.00',
    '0.00000',
    yuan(paidFen),
    yuan(refundedFen),
  ].map((value) => `\`${value}`);
  const csv = (records: string[][]): string => stringify(records, { record_delimiter: '\r\n' });
  return `\uFEFF${csv([[...WECHAT_DETAIL_COLUMNS], ...rows])}${csv([[...WECHAT_SUMMARY_COLUMNS], summary])}`;
}

export function gzipBill(text: string): { file: Buffer; sha1: string } {
  const raw = Buffer.from(text, 'utf8');
  // The digest WeChat gives is of the bill itself, before compression.
  return { file: gzipSync(raw), sha1: createHash('sha1').update(raw).digest('hex') };
}

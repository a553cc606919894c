import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { BillEntry } from '../../../src/channels/sandbox/bill-entries';
import { gzipBill, wechatBillText } from '../../../src/channels/sandbox/wechat/wechat-bill-file';
import type { WechatSandboxKeys } from '../../../src/channels/sandbox/wechat/wechat-keys';
import { parseWechatBill, readWechatBillFile } from '../../../src/channels/wechatpay/wechatpay-bill';

/** WeChat Pay's trade bill (bill_type ALL, tar_type GZIP) as WeChat serves it, read by the adapter. */

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,' +
  '货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,' +
  '商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

/** One detail row: every value behind a backtick, quoted by CSV rules where it must be. */
function row(values: {
  time: string;
  tradeNo: string;
  outTradeNo: string;
  state: string;
  settled: string;
  refundId?: string;
  outRefundNo?: string;
  refunded?: string;
  refundState?: string;
  attach?: string;
}): string {
  const refund = values.state === 'REFUND';
  const cells = [
    values.time,
    'wx8888888888888888',
    '1900000109',
    '0',
    '',
    values.tradeNo,
    values.outTradeNo,
    'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    'NATIVE',
    values.state,
    'OTHERS',
    'CNY',
    values.settled,
    '0.00',
    values.refundId ?? '0',
    values.outRefundNo ?? '0',
    values.refunded ?? '0.00',
    '0.00',
    refund ? 'ORIGINAL' : '',
    values.refundState ?? '',
    '拿铁',
    values.attach ?? '',
    refund ? '-0.01000' : '0.07000',
    '0.60%',
    refund ? '0.00' : values.settled,
    values.refunded ?? '0.00',
    '',
  ].map((value) => `\`${value}`);
  return cells.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',');
}

const ROWS = [
  // 商户数据包 holding commas and quotes: only a real CSV parser keeps the columns in place.
  row({
    time: '2024-02-01 10:00:05',
    tradeNo: '4200000001202402011234567890',
    outTradeNo: 'pay_a-1',
    state: 'SUCCESS',
    settled: '12.30',
    attach: 'token=sim_success, note="a, b", x',
  }),
  row({
    time: '2024-02-01 11:30:00',
    tradeNo: '4200000001202402011234567890',
    outTradeNo: 'pay_a-1',
    state: 'REFUND',
    settled: '0.00',
    refundId: '50300000012024020112345678901',
    outRefundNo: 'ref_9',
    refunded: '2.30',
    refundState: 'SUCCESS',
    attach: 'token=sim_success, note="a, b", x',
  }),
  // Refunds that moved no money (yet): still processing, closed, stuck abnormal.
  ...['PROCESSING', 'REFUNDCLOSE', 'CHANGE'].map((refundState, i) =>
    row({
      time: '2024-02-01 12:00:00',
      tradeNo: '4200000001202402011234567890',
      outTradeNo: 'pay_a-1',
      state: 'REFUND',
      settled: '0.00',
      refundId: `5030000001202402011234567890${i}`,
      outRefundNo: `ref_${refundState}`,
      refunded: '1.00',
      refundState,
    }),
  ),
  row({
    time: '2024-02-01 23:59:59',
    tradeNo: '4200000002202402011234567891',
    outTradeNo: 'orphan-1234',
    state: 'SUCCESS',
    settled: '100.00',
  }),
];

const billText = (rows: string[], count = rows.length): string =>
  `\uFEFF${[HEADER, ...rows, SUMMARY_HEADER, `\`${count},\`112.30,\`5.30,\`0.00,\`0.06000,\`112.30,\`5.30`, ''].join('\r\n')}`;

const gzipOf = (text: string) => {
  const raw = Buffer.from(text, 'utf8');
  return { file: gzipSync(raw), sha1: createHash('sha1').update(raw).digest('hex') };
};

const EXPECTED = [
  {
    kind: 'PAYMENT',
    channelTradeNo: '4200000001202402011234567890',
    outTradeNo: 'pay_a-1',
    outRefundNo: null,
    amount: 1230,
    currency: 'CNY',
    createdAt: new Date('2024-02-01T02:00:05Z'),
    finishedAt: new Date('2024-02-01T02:00:05Z'),
  },
  {
    kind: 'REFUND',
    channelTradeNo: '4200000001202402011234567890',
    outTradeNo: 'pay_a-1',
    outRefundNo: 'ref_9',
    amount: 230,
    currency: 'CNY',
    createdAt: new Date('2024-02-01T03:30:00Z'),
    finishedAt: new Date('2024-02-01T03:30:00Z'),
  },
  {
    kind: 'PAYMENT',
    channelTradeNo: '4200000002202402011234567891',
    outTradeNo: 'orphan-1234',
    outRefundNo: null,
    amount: 10000,
    currency: 'CNY',
    createdAt: new Date('2024-02-01T15:59:59Z'),
    finishedAt: new Date('2024-02-01T15:59:59Z'),
  },
];

test('a gzip bill with a BOM, backticks, commas and quotes in 商户数据包, refunds and the summary', () => {
  const { file, sha1 } = gzipOf(billText(ROWS));
  expect(readWechatBillFile(file, sha1.toUpperCase(), '2024-02-01')).toEqual(EXPECTED);
});

test('refund rows that returned no money are not refunds: only 退款状态 SUCCESS counts', () => {
  const rows = parseWechatBill(billText(ROWS));
  expect(rows.filter((r) => r.kind === 'REFUND').map((r) => r.outRefundNo)).toEqual(['ref_9']);
});

test('a file that is not the one the answer vouched for is refused', () => {
  const { file } = gzipOf(billText(ROWS));
  expect(() => readWechatBillFile(file, 'da39a3ee5e6b4b0d3255bfef95601890afd80709', '2024-02-01')).toThrow(
    /SHA1/,
  );
});

test('a bill it cannot read fails rather than hiding money', () => {
  // The summary counts every detail row; a short file does not add up.
  expect(() => parseWechatBill(billText(ROWS.slice(1), ROWS.length))).toThrow(/summary count/);
  expect(() => parseWechatBill(billText(ROWS).replace(/\r\n总交易单数[^]*$/, ''))).toThrow(/no summary/);
  // A trade state this table does not know is no payment and no refund: refuse it, never guess.
  const unknown = row({
    time: '2024-02-01 10:00:05',
    tradeNo: '4200000003',
    outTradeNo: 'pay_b-1',
    state: 'PAYERROR',
    settled: '1.00',
  });
  expect(() => parseWechatBill(billText([unknown]))).toThrow(/state PAYERROR/);
  // A row torn apart by an unquoted comma has the wrong number of columns.
  const torn = ROWS[0]!.replace('"`token=sim_success, note=""a, b"", x"', '`token=a,b');
  expect(() => parseWechatBill(billText([torn]))).toThrow(/columns/);
});

test("the WeChat sandbox's bill is WeChat's layout and reads back as the trade book's entries", () => {
  const keys = { appId: 'wx8888888888888888', mchId: '1900000109' } as WechatSandboxKeys;
  const paidAt = new Date('2024-02-01T02:00:05Z');
  const refundAt = new Date('2024-02-01T03:30:00Z');
  const common = {
    tradeNo: '4200000001202402011234567890',
    outTradeNo: 'pay_a-1',
    subject: '拿铁, 大杯',
    createdAt: paidAt,
    orderFen: 1230,
  };
  const entries: BillEntry[] = [
    { ...common, type: '交易', finishedAt: paidAt, receivedFen: 1230, refundRequestNo: null },
    { ...common, type: '退款', finishedAt: refundAt, receivedFen: -230, refundRequestNo: 'ref_9' },
  ];
  const text = wechatBillText(keys, entries, {
    refundIdOf: () => '50300000012024020112345678901',
    attachOf: () => 'token, with "quotes"',
  });
  const lines = text.split('\r\n');
  expect(text.startsWith('\uFEFF')).toBe(true);
  expect(lines[0]).toBe(`\uFEFF${HEADER}`);
  expect(lines[1]?.startsWith('`2024-02-01 10:00:05,`wx8888888888888888,`1900000109,')).toBe(true);
  expect(lines[3]).toBe(SUMMARY_HEADER);
  expect(lines[4]).toBe('`2,`12.30,`2.30,`0.00,`0.00000,`12.30,`2.30');
  const { file, sha1 } = gzipBill(text);
  expect(readWechatBillFile(file, sha1, '2024-02-01')).toEqual(EXPECTED.slice(0, 2));
});

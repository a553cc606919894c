import fc from 'fast-check';
import { alipayOutcome, canonicalAlipayCode } from '../../../src/channels/alipay/alipay-codes';
import { parseAlipayBill } from '../../../src/channels/alipay/alipay-bill';
import {
  beijingDay,
  beijingDayRange,
  formatBeijingTime,
  parseBeijingTime,
} from '../../../src/channels/beijing-time';

test.each([
  ['10000', undefined, 'SUCCESS'],
  ['10003', undefined, 'PENDING'],
  ['20000', 'isp.unknow-error', 'UNKNOWN'],
  ['40004', 'ACQ.SYSTEM_ERROR', 'RETRYABLE_DECLINE'],
  ['40004', 'ACQ.BUYER_BALANCE_NOT_ENOUGH', 'HARD_DECLINE'],
  ['40004', 'ACQ.TRADE_NOT_EXIST', 'NOT_FOUND'],
  ['40004', 'ACQ.TRADE_HAS_SUCCESS', 'ALREADY_PAID'],
  ['40004', 'ACQ.TRADE_HAS_CLOSE', 'CLOSED'],
  ['40004', 'ACQ.TRADE_STATUS_ERROR', 'WRONG_STATUS'],
  ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', 'HARD_DECLINE'],
  ['40002', 'isv.invalid-signature', 'HARD_DECLINE'],
  // Never guess: a sub_code we do not know could hide a trade that exists.
  ['40004', 'ACQ.SOMETHING_NEW', 'UNKNOWN'],
  ['99999', undefined, 'UNKNOWN'],
])('%s %s → %s', (code, subCode, outcome) => {
  expect(alipayOutcome(code, subCode)).toBe(outcome);
});

test('canonical codes drop the ACQ. prefix, as retry rules name them', () => {
  expect(canonicalAlipayCode('40004', 'ACQ.SYSTEM_ERROR')).toBe('SYSTEM_ERROR');
  expect(canonicalAlipayCode('20000', 'aop.ACQ.SYSTEM_ERROR')).toBe('SYSTEM_ERROR');
  expect(canonicalAlipayCode('40002', 'isv.invalid-signature')).toBe('isv.invalid-signature');
  expect(canonicalAlipayCode('10000', undefined)).toBe('10000');
});

test('Beijing time: UTC+8 wall clock, round trip to the second, impossible dates refused', () => {
  expect(formatBeijingTime(new Date('2024-01-31T16:30:00.999Z'))).toBe('2024-02-01 00:30:00');
  expect(beijingDay(new Date('2024-01-31T16:30:00Z'))).toBe('2024-02-01');
  expect(parseBeijingTime('2024-02-01 00:30:00')?.toISOString()).toBe('2024-01-31T16:30:00.000Z');
  expect(parseBeijingTime('2024-02-30 00:00:00')).toBeNull();
  expect(parseBeijingTime('2024-02-01T00:30:00')).toBeNull();
  expect(beijingDayRange('2024-02-01')?.start.toISOString()).toBe('2024-01-31T16:00:00.000Z');
  fc.assert(
    fc.property(
      fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      (at) => {
        const parsed = parseBeijingTime(formatBeijingTime(at));
        expect(parsed?.getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000);
      },
    ),
  );
});

test('the bill parser reads quoted fields, padded numbers and refund rows', () => {
  const csv = [
    '#支付宝业务明细查询',
    '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,订单金额（元）,商家实收（元）,退款批次号/请求号,备注',
    '2024020122001\t,A-1,交易,"Tea, ""green""",2024-02-01 10:00:00,2024-02-01 10:00:05,\t12.30,12.30,,',
    '2024020122001\t,A-1,退款,"Tea, ""green""",2024-02-01 10:00:00,2024-02-01 11:00:00,12.30,-2.30,r1,',
    '#-----业务明细列表结束-----',
  ].join('\r\n');
  expect(parseAlipayBill(csv)).toEqual([
    {
      channelTradeNo: '2024020122001',
      outTradeNo: 'A-1',
      type: 'PAYMENT',
      outRequestNo: null,
      amount: 1230,
      currency: 'CNY',
      at: new Date('2024-02-01T02:00:05Z'),
    },
    {
      channelTradeNo: '2024020122001',
      outTradeNo: 'A-1',
      type: 'REFUND',
      outRequestNo: 'r1',
      amount: 230,
      currency: 'CNY',
      at: new Date('2024-02-01T03:00:00Z'),
    },
  ]);
  expect(() => parseAlipayBill('支付宝交易号,商户订单号\r\n1,2\r\n')).toThrow(/lacks column/);
});

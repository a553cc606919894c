import fc from 'fast-check';
import { alipayOutcome, canonicalAlipayCode } from '../../../src/channels/alipay/alipay-codes';
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

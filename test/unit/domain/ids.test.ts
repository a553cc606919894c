import fc from 'fast-check';
import {
  channelOutTradeNo,
  parseChannelOutTradeNo,
  paymentIdFromUuid,
  paymentWorkflowId,
} from '../../../src/domain/ids';

describe('paymentWorkflowId', () => {
  it('is payment-<merchantId>-<outTradeNo>', () => {
    expect(paymentWorkflowId('m_demo', 'ORDER-1001')).toBe('payment-m_demo-ORDER-1001');
  });

  it('refuses a merchantId with "-", which would let two orders share one workflow', () => {
    // Without the guard, ("a-b", "c") and ("a", "b-c") would both give payment-a-b-c.
    expect(() => paymentWorkflowId('a-b', 'c')).toThrow(RangeError);
    expect(paymentWorkflowId('a', 'b-c')).toBe('payment-a-b-c');
  });

  it('refuses empty parts', () => {
    expect(() => paymentWorkflowId('', 'ORDER-1')).toThrow(RangeError);
    expect(() => paymentWorkflowId('m_demo', '')).toThrow(RangeError);
  });

  it('gives different ids to different (merchant, order) pairs', () => {
    const merchantId = fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/);
    const outTradeNo = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    fc.assert(
      fc.property(merchantId, outTradeNo, merchantId, outTradeNo, (m1, o1, m2, o2) => {
        const same = m1 === m2 && o1 === o2;
        expect(paymentWorkflowId(m1, o1) === paymentWorkflowId(m2, o2)).toBe(same);
      }),
    );
  });
});

describe('paymentIdFromUuid', () => {
  it('is pay_ plus the 32 hex digits in lower case', () => {
    expect(paymentIdFromUuid('123E4567-E89B-12D3-A456-426614174000')).toBe(
      'pay_123e4567e89b12d3a456426614174000',
    );
    expect(paymentIdFromUuid('00000000-0000-0000-0000-000000000000')).toBe(
      'pay_00000000000000000000000000000000',
    );
  });

  it.each([
    [''],
    ['not-a-uuid'],
    ['123e4567e89b12d3a456426614174000'],
    ['123e4567-e89b-12d3-a456-42661417400'],
    ['123e4567-e89b-12d3-a456-4266141740000'],
    ['123e4567-e89b-12d3-a456-42661417400g'],
    ['{123e4567-e89b-12d3-a456-426614174000}'],
    [' 123e4567-e89b-12d3-a456-426614174000'],
    ['123e4567-e89b-12d3-a456-426614174000\n'],
  ])('throws on %p', (s) => {
    expect(() => paymentIdFromUuid(s)).toThrow(RangeError);
  });

  it('always gives pay_ and 32 lower-case hex digits, one id per uuid', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const id = paymentIdFromUuid(uuid);
        expect(id).toMatch(/^pay_[0-9a-f]{32}$/);
        expect(paymentIdFromUuid(uuid.toUpperCase())).toBe(id);
      }),
    );
  });
});

describe('channelOutTradeNo / parseChannelOutTradeNo', () => {
  const paymentId = 'pay_123e4567e89b12d3a456426614174000';

  it('is <paymentId>-<attemptNo>', () => {
    expect(channelOutTradeNo(paymentId, 1)).toBe(`${paymentId}-1`);
    expect(channelOutTradeNo(paymentId, 12)).toBe(`${paymentId}-12`);
  });

  it('fits the 64-character out_trade_no limit of Alipay-style channels', () => {
    expect(channelOutTradeNo(paymentId, 999_999).length).toBeLessThanOrEqual(64);
  });

  it.each([[0], [-1], [1.5], [NaN], [Infinity]])('throws on attemptNo %p', (n) => {
    expect(() => channelOutTradeNo(paymentId, n)).toThrow(RangeError);
  });

  it.each([[''], ['pay-1'], ['pay 1']])('throws on paymentId %p', (p) => {
    expect(() => channelOutTradeNo(p, 1)).toThrow(RangeError);
  });

  it('parses what it wrote', () => {
    expect(parseChannelOutTradeNo(`${paymentId}-3`)).toEqual({ paymentId, attemptNo: 3 });
  });

  it.each([
    [''],
    ['-'],
    [paymentId],
    [`${paymentId}-`],
    [`-1`],
    [`${paymentId}-0`],
    [`${paymentId}-01`],
    [`${paymentId}--1`],
    [`${paymentId}-1.0`],
    [`${paymentId}-1e3`],
    [`${paymentId}- 1`],
    [`${paymentId}-99999999999999999999`],
    [`pay-x-1`],
    [`${paymentId}-1\n`],
  ])('parses %p to null', (s) => {
    expect(parseChannelOutTradeNo(s)).toBeNull();
  });

  it('round-trips every payment id and attempt number', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (uuid, attemptNo) => {
        const id = paymentIdFromUuid(uuid);
        expect(parseChannelOutTradeNo(channelOutTradeNo(id, attemptNo))).toEqual({
          paymentId: id,
          attemptNo,
        });
      }),
    );
  });

  it('only parses strings channelOutTradeNo could have written', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const parsed = parseChannelOutTradeNo(s);
        if (parsed !== null) expect(channelOutTradeNo(parsed.paymentId, parsed.attemptNo)).toBe(s);
      }),
    );
  });
});

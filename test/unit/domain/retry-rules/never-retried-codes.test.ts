import {
  isNeverRetriedCode,
  isRiskCode,
  NEVER_RETRIED_CODES,
  normalizeRetryCode,
  RISK_CODES,
} from '../../../../src/domain/retry-rules/never-retried-codes';

describe('NEVER_RETRIED_CODES', () => {
  it.each([
    // The article's seven: wrong SMS code, wrong expiry, expired, invalid, card status, balance, card details.
    'WRONG_SMS_CODE',
    'WRONG_EXPIRY_DATE',
    'CARD_EXPIRED',
    'INVALID_CARD',
    'CARD_STATUS_ABNORMAL',
    'INSUFFICIENT_FUNDS',
    'WRONG_CARD_DETAILS',
    // Alipay-style canonical names.
    'BUYER_BALANCE_NOT_ENOUGH',
    'BUYER_BANKCARD_BALANCE_NOT_ENOUGH',
    'PAYMENT_AUTH_CODE_INVALID',
    'BUYER_SELLER_EQUAL',
    'TRADE_BUYER_NOT_MATCH',
    'RISK_REJECTED',
    'PAYMENT_REQUEST_HAS_RISK',
    // Already paid: a retry would charge twice.
    'TRADE_HAS_SUCCESS',
    'TRADE_HAS_FINISHED',
  ])('holds %s', (code) => {
    expect(NEVER_RETRIED_CODES.has(code)).toBe(true);
    expect(isNeverRetriedCode(code)).toBe(true);
  });

  it.each(['SYSTEM_ERROR', 'PAYMENT_FAIL', 'SELLER_BALANCE_NOT_ENOUGH', 'TIMEOUT', 'TRANSPORT_ERROR'])(
    'leaves %s, which another channel may well accept, to the rules',
    (code) => {
      expect(NEVER_RETRIED_CODES.has(code)).toBe(false);
      expect(isNeverRetriedCode(code)).toBe(false);
    },
  );

  it('includes every risk code', () => {
    for (const code of RISK_CODES) expect(NEVER_RETRIED_CODES.has(code)).toBe(true);
  });

  it('is written in normalised form, otherwise an entry could never match', () => {
    for (const code of NEVER_RETRIED_CODES) expect(normalizeRetryCode(code)).toBe(code);
  });
});

describe('RISK_CODES', () => {
  it('holds the risk rejections and nothing merely declined', () => {
    expect([...RISK_CODES]).toEqual(
      expect.arrayContaining(['RISK_REJECTED', 'PAYMENT_REQUEST_HAS_RISK', 'FRAUD_SUSPECTED']),
    );
    expect(RISK_CODES.has('BUYER_BALANCE_NOT_ENOUGH')).toBe(false);
    expect(RISK_CODES.has('SYSTEM_ERROR')).toBe(false);
  });

  it('is recognised in any spelling', () => {
    expect(isRiskCode('ACQ.PAYMENT_REQUEST_HAS_RISK')).toBe(true);
    expect(isRiskCode('aop.ACQ.PAYMENT_REQUEST_HAS_RISK')).toBe(true);
    expect(isRiskCode(' risk_rejected ')).toBe(true);
    expect(isRiskCode('CARD_EXPIRED')).toBe(false);
  });
});

describe('normalizeRetryCode', () => {
  it.each([
    ['SYSTEM_ERROR', 'SYSTEM_ERROR'],
    ['ACQ.SYSTEM_ERROR', 'SYSTEM_ERROR'],
    ['aop.ACQ.SYSTEM_ERROR', 'SYSTEM_ERROR'],
    ['acq.card_expired', 'CARD_EXPIRED'],
    ['  CARD_EXPIRED\n', 'CARD_EXPIRED'],
    ['40004', '40004'],
    ['', ''],
  ])('%j -> %j', (raw, normalised) => {
    expect(normalizeRetryCode(raw)).toBe(normalised);
  });

  it('strips the prefix once only, and only as a prefix', () => {
    expect(normalizeRetryCode('ACQ.ACQ.X')).toBe('ACQ.X');
    expect(normalizeRetryCode('X_ACQ.Y')).toBe('X_ACQ.Y');
  });

  it('catches never-retried codes that reach us unstripped', () => {
    expect(isNeverRetriedCode('ACQ.BUYER_BALANCE_NOT_ENOUGH')).toBe(true);
    expect(isNeverRetriedCode('acq.buyer_balance_not_enough')).toBe(true);
  });
});

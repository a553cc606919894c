import fc from 'fast-check';
import {
  CURRENCY_EXPONENTS,
  MAX_AMOUNT,
  isSupportedCurrency,
  isValidAmount,
  parseDecimalString,
  sumAmounts,
  toDecimalString,
} from '../../../src/domain/money';

const currencies = Object.keys(CURRENCY_EXPONENTS);
const validAmount = fc.integer({ min: 0, max: MAX_AMOUNT });
const currency = fc.constantFrom(...currencies);

describe('isValidAmount', () => {
  it.each([0, 1, 1999, MAX_AMOUNT])('accepts %p', (x) => {
    expect(isValidAmount(x)).toBe(true);
  });

  it.each([
    MAX_AMOUNT + 1,
    -1,
    -0.5,
    19.99,
    0.1,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_SAFE_INTEGER,
    '1999',
    '0',
    null,
    undefined,
    true,
    [1],
    {},
  ])('rejects %p', (x) => {
    expect(isValidAmount(x)).toBe(false);
  });

  it('accepts exactly the integers in [0, MAX_AMOUNT]', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(isValidAmount(x)).toBe(Number.isInteger(x) && x >= 0 && x <= MAX_AMOUNT);
      }),
    );
  });
});

describe('CURRENCY_EXPONENTS', () => {
  it('gives the ISO 4217 exponents of the common currencies', () => {
    expect(CURRENCY_EXPONENTS).toMatchObject({
      CNY: 2,
      USD: 2,
      EUR: 2,
      HKD: 2,
      GBP: 2,
      JPY: 0,
      KRW: 0,
      KWD: 3,
    });
  });

  it('holds only three-letter upper-case codes with exponents 0..3', () => {
    for (const [code, exponent] of Object.entries(CURRENCY_EXPONENTS)) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3]).toContain(exponent);
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(CURRENCY_EXPONENTS)).toBe(true);
  });
});

describe('isSupportedCurrency', () => {
  it.each(['CNY', 'USD', 'JPY', 'KWD'])('accepts %s', (c) => {
    expect(isSupportedCurrency(c)).toBe(true);
  });

  it.each(['cny', 'Cny', 'XXX', '', 'CNY ', 'toString', 'constructor', '__proto__'])('rejects %p', (c) => {
    expect(isSupportedCurrency(c)).toBe(false);
  });
});

describe('toDecimalString', () => {
  it.each([
    [1999, 'CNY', '19.99'],
    [5, 'CNY', '0.05'],
    [50, 'CNY', '0.50'],
    [0, 'CNY', '0.00'],
    [1, 'CNY', '0.01'],
    [100, 'CNY', '1.00'],
    [MAX_AMOUNT, 'CNY', '1000000000.00'],
    [100, 'JPY', '100'],
    [0, 'JPY', '0'],
    [1, 'JPY', '1'],
    [MAX_AMOUNT, 'JPY', '100000000000'],
    [1, 'KWD', '0.001'],
    [1234, 'KWD', '1.234'],
  ])('%p %s -> %p', (amount, cur, expected) => {
    expect(toDecimalString(amount, cur)).toBe(expected);
  });

  it.each([[-1], [1.5], [NaN], [MAX_AMOUNT + 1], [Infinity]])('throws on invalid amount %p', (amount) => {
    expect(() => toDecimalString(amount, 'CNY')).toThrow(RangeError);
  });

  it.each(['XXX', 'cny', ''])('throws on unsupported currency %p', (c) => {
    expect(() => toDecimalString(100, c)).toThrow(RangeError);
  });

  it('writes exactly as many decimals as the currency has, and a single leading zero at most', () => {
    fc.assert(
      fc.property(validAmount, currency, (amount, cur) => {
        const s = toDecimalString(amount, cur);
        const exponent = CURRENCY_EXPONENTS[cur] ?? -1;
        const decimals = s.includes('.') ? (s.split('.')[1] ?? '').length : 0;
        expect(decimals).toBe(exponent);
        expect(decimals).toBeLessThanOrEqual(exponent);
        expect(s).toMatch(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/);
      }),
    );
  });

  it('agrees with exact BigInt arithmetic', () => {
    fc.assert(
      fc.property(validAmount, currency, (amount, cur) => {
        const exponent = BigInt(CURRENCY_EXPONENTS[cur] ?? 0);
        const scale = 10n ** exponent;
        const [whole = '', fraction = '0'] = toDecimalString(amount, cur).split('.');
        expect(BigInt(whole) * scale + (exponent === 0n ? 0n : BigInt(fraction))).toBe(BigInt(amount));
      }),
    );
  });
});

describe('parseDecimalString', () => {
  it.each([
    ['19.99', 'CNY', 1999],
    ['0.5', 'CNY', 50],
    ['0.05', 'CNY', 5],
    ['19', 'CNY', 1900],
    ['0', 'CNY', 0],
    ['0.00', 'CNY', 0],
    ['0.01', 'CNY', 1],
    ['007.50', 'CNY', 750],
    ['1000000000.00', 'CNY', MAX_AMOUNT],
    ['100', 'JPY', 100],
    ['100000000000', 'JPY', MAX_AMOUNT],
    ['1.234', 'KWD', 1234],
  ])('%p %s -> %p', (s, cur, expected) => {
    expect(parseDecimalString(s, cur)).toBe(expected);
  });

  it.each([
    ['19.999', 'CNY'],
    ['19.990', 'CNY'],
    ['-1', 'CNY'],
    ['+1', 'CNY'],
    ['abc', 'CNY'],
    ['1e3', 'CNY'],
    ['', 'CNY'],
    ['.5', 'CNY'],
    ['5.', 'CNY'],
    [' 1.00', 'CNY'],
    ['1.00 ', 'CNY'],
    ['1,00', 'CNY'],
    ['0x10', 'CNY'],
    ['Infinity', 'CNY'],
    ['NaN', 'CNY'],
    ['1.0.0', 'CNY'],
    ['１２', 'CNY'],
    ['1000000000.01', 'CNY'],
    ['100000000001', 'JPY'],
    ['99999999999999999999999', 'CNY'],
    ['100.0', 'JPY'],
    ['0.5', 'JPY'],
    ['19.99', 'XXX'],
    ['19.99', 'cny'],
  ])('%p %s -> null', (s, cur) => {
    expect(parseDecimalString(s, cur)).toBeNull();
  });

  it('inverts toDecimalString for every valid amount and currency', () => {
    fc.assert(
      fc.property(validAmount, currency, (amount, cur) => {
        expect(parseDecimalString(toDecimalString(amount, cur), cur)).toBe(amount);
      }),
    );
  });

  it('inverts toDecimalString at the edges', () => {
    for (const cur of currencies) {
      for (const amount of [0, 1, 9, 10, 99, 100, 101, MAX_AMOUNT - 1, MAX_AMOUNT]) {
        expect(parseDecimalString(toDecimalString(amount, cur), cur)).toBe(amount);
      }
    }
  });

  it('only ever returns null or a valid amount, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9.e+-]{0,20}$/)), currency, (s, cur) => {
        const parsed = parseDecimalString(s, cur);
        if (parsed !== null) expect(isValidAmount(parsed)).toBe(true);
      }),
    );
  });
});

describe('sumAmounts', () => {
  it('sums exactly', () => {
    expect(sumAmounts([])).toBe(0);
    expect(sumAmounts([1999])).toBe(1999);
    expect(sumAmounts([1, 2, 3])).toBe(6);
    expect(sumAmounts([MAX_AMOUNT, MAX_AMOUNT])).toBe(2 * MAX_AMOUNT);
  });

  it('throws when the result is not a safe integer', () => {
    expect(() => sumAmounts([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });

  it('throws when a partial sum leaves the safe range even if the total comes back', () => {
    expect(() => sumAmounts([Number.MAX_SAFE_INTEGER, 2, -2])).toThrow(RangeError);
  });

  it.each([[[0.1, 0.2]], [[0.5, 0.5]], [[NaN]], [[Infinity]], [[1, 1.5]]])(
    'throws on non-integer terms %p',
    (xs) => {
      expect(() => sumAmounts(xs)).toThrow(RangeError);
    },
  );

  it('agrees with BigInt arithmetic for valid amounts', () => {
    fc.assert(
      fc.property(fc.array(validAmount, { maxLength: 50 }), (xs) => {
        expect(BigInt(sumAmounts(xs))).toBe(xs.reduce((acc, x) => acc + BigInt(x), 0n));
      }),
    );
  });
});

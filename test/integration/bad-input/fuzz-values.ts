import fc from 'fast-check';

/** Hostile values for the HTTP fuzz test: every kind of text, number, date and shape a client can send. */

/** Stands in for a value nested 5,000 levels deep; replaced in the JSON text (JSON.stringify gives up on it). */
export const DEEP_MARK = '__fuzz_deep__';
export const DEEP_JSON = `${'{"d":'.repeat(5_000)}1${'}'.repeat(5_000)}`;

export const hostileString = fc.constantFrom(
  '',
  '\u0000',
  'a\u0000b',
  '\u0007bell',
  '\u001b[31mred',
  'line\r\nbreak',
  '\u0085',
  '\ud800',
  'x\udfffy',
  '\uffff',
  '\u202eevil',
  '😀☕',
  '%00',
  '%zz',
  '../../etc/passwd',
  "'; DROP TABLE payments; --",
  '__proto__',
  'constructor',
  'toString',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2030-02-30T00:00:00Z',
  '2030-01-01T00:00:00',
  'x'.repeat(5_000),
  'y'.repeat(100_000),
  'sk_test_demo_admin',
  'pay_doesnotexist',
  'ref_00000000000000000000000000000000',
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -0,
    100_000_000_001,
    Number.MAX_SAFE_INTEGER,
    [],
    {},
    [1, 'a'],
    { constructor: { prototype: { polluted: true } } },
    DEEP_MARK,
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
);

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;
const minutes = (n: number): string => new Date(Date.now() + n * 60_000).toISOString();

/** A plausible value for a field, by its name: most requests then differ from a valid one in few fields. */
export function plausible(name: string): unknown {
  const table: Record<string, () => unknown> = {
    outTradeNo: () => unique('fz'),
    outRefundNo: () => unique('fr'),
    amount: () => 100,
    currency: () => 'CNY',
    subject: () => 'Fuzz',
    orderDeadline: () => minutes(5),
    orderCreatedAt: () => minutes(-1),
    method: () => ({ type: 'bank_card', token: 'sim_decline_insufficient_funds' }),
    channel: () => 'sandbox',
    transactionType: () => 'PURCHASE',
    source: () => 'ONLINE',
    notifyUrl: () => 'http://127.0.0.1:9/hook',
    metadata: () => ({ k: 'v' }),
    reason: () => 'fuzzing the edge',
    // Retry rules are global: a fuzzed rule must never match another test's payments.
    merchantId: () => 'm_fuzz_nobody',
    industry: () => 'fuzz_nobody',
    channels: () => ['sandbox'],
    brands: () => [],
    currencies: () => ['CNY'],
    transactionTypes: () => ['PURCHASE'],
    codeMode: () => 'WHITELIST',
    codes: () => ['SYSTEM_ERROR'],
    sources: () => [],
    trafficPercent: () => 0,
    maxRetries: () => 1,
    maxWaitMs: () => 1000,
    enabled: () => false,
    validFrom: () => null,
    validTo: () => null,
  };
  return table[name]?.() ?? 'x';
}

/** A percent-encoded path or query value; a lone surrogate (which encodeURIComponent refuses) as its raw bytes. */
export function encode(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'x');
  try {
    return encodeURIComponent(s);
  } catch {
    return s
      .replace(/[\ud800-\udfff]/g, '%ED%A0%80')
      .replace(/[^A-Za-z0-9%_-]/g, (c) => encodeURIComponent(c));
  }
}

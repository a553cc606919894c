/** Builders and fast-check arbitraries shared by the retry rule tests (not a test file itself). */
import fc from 'fast-check';
import { SOURCES, TRANSACTION_TYPES } from '../../../../src/domain/payment-status';
import type { TransactionType } from '../../../../src/domain/payment-status';
import type { RetryContext, RetryRule } from '../../../../src/domain/retry-rules';

export const NOW = '2030-06-15T12:00:00.000Z';
export const NOW_MS = Date.parse(NOW);
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A rule that retries SYSTEM_ERROR for m_demo, anywhere, always, up to 3 times within 10 s. */
export function aRule(overrides: Partial<RetryRule> = {}): RetryRule {
  return {
    ruleNo: '001',
    merchantId: 'm_demo',
    industry: null,
    channels: [],
    brands: [],
    currencies: [],
    transactionTypes: [],
    codeMode: 'WHITELIST',
    codes: ['SYSTEM_ERROR'],
    sources: [],
    trafficPercent: 100,
    maxRetries: 3,
    maxWaitMs: 10_000,
    enabled: true,
    validFrom: null,
    validTo: null,
    ...overrides,
  };
}

/** An industry rule for retail, otherwise like aRule. */
export function anIndustryRule(overrides: Partial<RetryRule> = {}): RetryRule {
  return aRule({ merchantId: null, industry: 'retail', ...overrides });
}

/** A first bank-card PURCHASE of m_demo (retail) that failed at sandbox with SYSTEM_ERROR. */
export function aContext(overrides: Partial<RetryContext> = {}): RetryContext {
  return {
    paymentId: 'pay_0123456789abcdef0123456789abcdef',
    merchantId: 'm_demo',
    industry: 'retail',
    channel: 'sandbox',
    methodType: 'bank_card',
    brand: 'ABC_CREDIT',
    currency: 'CNY',
    transactionType: 'PURCHASE',
    source: 'ONLINE',
    code: 'SYSTEM_ERROR',
    riskRejected: false,
    operatorFailed: false,
    retriesSoFar: 0,
    elapsedMs: 0,
    now: NOW,
    ...overrides,
  };
}

/** The most permissive rule there is: BLACKLIST of nothing, any dimension, 100 %, no real bounds. */
export function aPermissiveRule(overrides: Partial<RetryRule> = {}): RetryRule {
  return aRule({
    codeMode: 'BLACKLIST',
    codes: [],
    maxRetries: Number.MAX_SAFE_INTEGER,
    maxWaitMs: Number.MAX_SAFE_INTEGER,
    ...overrides,
  });
}

// Small pools, so that generated rules and contexts actually meet.
export const MERCHANTS = ['m_demo', 'm_other'] as const;
export const INDUSTRIES = ['retail', 'travel'] as const;
export const CHANNELS = ['sandbox', 'alipay_a', 'alipay_b'] as const;
export const BRANDS = ['ABC_CREDIT', 'ICBC_DEBIT'] as const;
export const CURRENCIES = ['CNY', 'USD'] as const;
export const METHOD_TYPES = ['bank_card', 'wallet', 'stored_value'] as const;
export const CODES = [
  'SYSTEM_ERROR',
  'PAYMENT_FAIL',
  'TIMEOUT',
  'BUYER_BALANCE_NOT_ENOUGH',
  'CARD_EXPIRED',
  'RISK_REJECTED',
  'PAYMENT_REQUEST_HAS_RISK',
] as const;

/** Often empty (= any), so that generated rules match generated payments often enough to matter. */
const sub = <T>(values: readonly T[]): fc.Arbitrary<T[]> =>
  fc.oneof(
    { arbitrary: fc.constant<T[]>([]), weight: 2 },
    { arbitrary: fc.subarray([...values]), weight: 1 },
  );
/** Mostly `usual`, sometimes any of the others. */
const mostly = <T>(usual: T, all: readonly T[]): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: fc.constantFrom(...all), weight: 1 });

/** Instants a few ms around NOW, so that period boundaries get hit. */
const bound = fc.option(
  fc.integer({ min: -3, max: 3 }).map((d) => iso(NOW_MS + d)),
  { nil: null },
);

export const arbRule: fc.Arbitrary<RetryRule> = fc.record({
  ruleNo: fc.stringMatching(/^[0-9]{1,3}$/),
  // Half industry rules (the default would make them rare).
  merchantId: fc.option(fc.constantFrom(...MERCHANTS), { nil: null, freq: 2 }),
  industry: fc.option(fc.constantFrom(...INDUSTRIES), { nil: null }),
  channels: sub(CHANNELS),
  brands: sub(BRANDS),
  currencies: sub(CURRENCIES),
  transactionTypes: sub(TRANSACTION_TYPES),
  codeMode: fc.constantFrom('WHITELIST' as const, 'BLACKLIST' as const),
  codes: sub(CODES),
  sources: sub(SOURCES),
  trafficPercent: fc.integer({ min: 0, max: 100 }),
  maxRetries: fc.integer({ min: 0, max: 5 }),
  maxWaitMs: fc.integer({ min: 0, max: 20_000 }),
  enabled: mostly(true, [true, false]),
  validFrom: bound,
  validTo: bound,
});

/** Rules with unique ruleNos, as the store keeps them. */
export const arbRules: fc.Arbitrary<RetryRule[]> = fc.uniqueArray(arbRule, {
  selector: (r) => r.ruleNo,
  maxLength: 12,
});

export const arbContext: fc.Arbitrary<RetryContext> = fc.record({
  paymentId: fc.stringMatching(/^pay_[0-9a-f]{32}$/),
  merchantId: fc.constantFrom(...MERCHANTS),
  industry: fc.constantFrom(...INDUSTRIES),
  channel: fc.constantFrom(...CHANNELS),
  methodType: mostly<string>('bank_card', METHOD_TYPES),
  brand: fc.option(fc.constantFrom(...BRANDS), { nil: null }),
  currency: fc.constantFrom(...CURRENCIES),
  transactionType: mostly<TransactionType>('PURCHASE', TRANSACTION_TYPES),
  source: fc.constantFrom(...SOURCES),
  code: fc.constantFrom(...CODES),
  riskRejected: mostly(false, [true, false]),
  operatorFailed: mostly(false, [true, false]),
  retriesSoFar: fc.integer({ min: 0, max: 6 }),
  elapsedMs: fc.integer({ min: 0, max: 25_000 }),
  now: fc.integer({ min: -3, max: 3 }).map((d) => iso(NOW_MS + d)),
});

/** The same rules in an arbitrary order. */
export const shuffled = <T>(items: readonly T[]): fc.Arbitrary<T[]> =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

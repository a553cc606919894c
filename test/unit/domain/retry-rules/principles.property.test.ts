import fc from 'fast-check';
import type { RetryContext, RetryRule } from '../../../../src/domain/retry-rules';
import { NEVER_RETRIED_CODES, RISK_CODES } from '../../../../src/domain/retry-rules/never-retried-codes';
import { principleRefusal } from '../../../../src/domain/retry-rules/principles';
import { decideRetry, REFUSAL_REASONS } from '../../../../src/domain/retry-rules/retry-decision';
import { aPermissiveRule, arbContext, arbRules, shuffled } from './fixtures';

/**
 * No rule, however permissive, can make a payment that breaks a principle retry. Each property adds
 * to arbitrary rules a BLACKLIST-of-nothing rule for the payment's merchant and one for its industry
 * (any channel, brand, currency, type and source; 100 %; unbounded), then breaks one principle.
 */

const PRINCIPLES = REFUSAL_REASONS.slice(0, REFUSAL_REASONS.indexOf('CODE_NEVER_RETRIED') + 1);

/** The code as the adapter should send it, or as a careless one might. */
const spelled = (codes: ReadonlySet<string>): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom(...codes), fc.constantFrom('', 'ACQ.', 'aop.ACQ.'), fc.boolean())
    .map(([code, prefix, lower]) => `${prefix}${lower ? code.toLowerCase() : code}`);

const retryableCode = fc.constantFrom('SYSTEM_ERROR', 'PAYMENT_FAIL', 'TIMEOUT', 'SOMETHING_NEW');

/** Arbitrary rules, the two all-permissive ones for ctx, in any order. */
const rulesFor = (ctx: RetryContext): fc.Arbitrary<RetryRule[]> =>
  arbRules.chain((rules) =>
    shuffled([
      ...rules.filter((r) => r.ruleNo !== '0000' && r.ruleNo !== '0001'),
      aPermissiveRule({ ruleNo: '0000', merchantId: ctx.merchantId }),
      aPermissiveRule({ ruleNo: '0001', merchantId: null, industry: ctx.industry }),
    ]),
  );

const violations: [(typeof PRINCIPLES)[number], fc.Arbitrary<Partial<RetryContext>>][] = [
  [
    'NOT_BANK_CARD',
    fc.record({
      methodType: fc.oneof(
        fc.constantFrom('wallet', 'stored_value', 'BANK_CARD', ' bank_card', ''),
        fc.string(),
      ),
    }),
  ],
  [
    'TRANSACTION_TYPE_NEVER_RETRIED',
    fc.record({ transactionType: fc.constantFrom('AUTH' as const, 'PAYOUT' as const) }),
  ],
  [
    'RISK_REJECTED',
    fc.oneof(fc.record({ riskRejected: fc.constant(true) }), fc.record({ code: spelled(RISK_CODES) })),
  ],
  ['OPERATOR_FAILED', fc.record({ operatorFailed: fc.constant(true) })],
  ['CODE_NEVER_RETRIED', fc.record({ code: spelled(NEVER_RETRIED_CODES) })],
];

describe('principles no rule can override', () => {
  it.each(violations)('%s: never retried, whatever the rules', (principle, violation) => {
    const scenario = fc
      .tuple(arbContext, violation)
      .map(([ctx, broken]) => ({ ...ctx, ...broken }))
      .filter((ctx) => principle !== 'NOT_BANK_CARD' || ctx.methodType !== 'bank_card')
      .chain((ctx) => fc.tuple(fc.constant(ctx), rulesFor(ctx)));
    fc.assert(
      fc.property(scenario, ([ctx, rules]) => {
        const d = decideRetry(rules, ctx);
        expect(d.retry).toBe(false);
        if (d.retry) return;
        expect(d.rule).toBeNull();
        // This principle or one checked before it (the arbitrary payment may break several).
        expect(PRINCIPLES.indexOf(d.reason)).toBeGreaterThanOrEqual(0);
        expect(REFUSAL_REASONS.indexOf(d.reason)).toBeLessThanOrEqual(REFUSAL_REASONS.indexOf(principle));
        expect(d.reason).toBe(principleRefusal(ctx));
      }),
      { numRuns: 300 },
    );
  });

  it.each(violations)('%s: reported as such when it is the only principle broken', (principle, violation) => {
    const clean = arbContext.map((ctx): RetryContext => ({
      ...ctx,
      methodType: 'bank_card',
      transactionType: 'PURCHASE',
      riskRejected: false,
      operatorFailed: false,
      code: 'SYSTEM_ERROR',
    }));
    const scenario = fc
      .tuple(clean, violation)
      .map(([ctx, broken]) => ({ ...ctx, ...broken }))
      .filter((ctx) => principle !== 'NOT_BANK_CARD' || ctx.methodType !== 'bank_card')
      .chain((ctx) => fc.tuple(fc.constant(ctx), rulesFor(ctx)));
    fc.assert(
      fc.property(scenario, ([ctx, rules]) => {
        // A risk code is also a never-retried code; risk is checked first and names it better.
        const expected =
          principle === 'CODE_NEVER_RETRIED' &&
          RISK_CODES.has(ctx.code.replace(/^(aop\.)?acq\./i, '').toUpperCase())
            ? 'RISK_REJECTED'
            : principle;
        expect(decideRetry(rules, ctx)).toEqual({ retry: false, reason: expected, rule: null });
      }),
      { numRuns: 200 },
    );
  });

  it('control: the same permissive rules do retry a payment that breaks no principle', () => {
    const clean = fc
      .tuple(arbContext, retryableCode)
      .map(([ctx, code]): RetryContext => ({
        ...ctx,
        methodType: 'bank_card',
        transactionType: 'PURCHASE',
        riskRejected: false,
        operatorFailed: false,
        code,
      }))
      .chain((ctx) =>
        fc.tuple(
          fc.constant(ctx),
          shuffled([
            aPermissiveRule({ ruleNo: '0000', merchantId: ctx.merchantId }),
            aPermissiveRule({ ruleNo: '0001', merchantId: null, industry: ctx.industry }),
          ]),
        ),
      );
    fc.assert(
      fc.property(clean, ([ctx, rules]) => {
        const d = decideRetry(rules, ctx);
        expect(d).toEqual({ retry: true, rule: rules.find((r) => r.ruleNo === '0000') });
      }),
      { numRuns: 300 },
    );
  });
});

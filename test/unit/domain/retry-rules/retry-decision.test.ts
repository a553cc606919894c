import fc from 'fast-check';
import type { RetryContext, RetryRule } from '../../../../src/domain/retry-rules';
import { decideRetry, REFUSAL_REASONS } from '../../../../src/domain/retry-rules/retry-decision';
import { matchRule } from '../../../../src/domain/retry-rules/rule-matching';
import { trafficBucket } from '../../../../src/domain/retry-rules/traffic-share';
import { aContext, anIndustryRule, aPermissiveRule, aRule, arbContext, arbRules } from './fixtures';

describe('decideRetry', () => {
  it('retries a bank-card PURCHASE whose code the merchant’s rule lists', () => {
    const rule = aRule();
    expect(decideRetry([rule], aContext())).toEqual({ retry: true, rule });
  });

  it('retries under the industry rule when the merchant has none', () => {
    const rule = anIndustryRule();
    expect(decideRetry([rule], aContext())).toEqual({ retry: true, rule });
  });

  describe('principles, checked before any rule', () => {
    const permissive = [aPermissiveRule(), anIndustryRule({ codeMode: 'BLACKLIST', codes: [] })];

    it.each<[string, Partial<RetryContext>]>([
      ['NOT_BANK_CARD', { methodType: 'wallet' }],
      ['NOT_BANK_CARD', { methodType: 'stored_value' }],
      ['NOT_BANK_CARD', { methodType: 'BANK_CARD' }],
      ['NOT_BANK_CARD', { methodType: '' }],
      ['TRANSACTION_TYPE_NEVER_RETRIED', { transactionType: 'AUTH' }],
      ['TRANSACTION_TYPE_NEVER_RETRIED', { transactionType: 'PAYOUT' }],
      ['RISK_REJECTED', { riskRejected: true }],
      ['RISK_REJECTED', { code: 'RISK_REJECTED' }],
      ['RISK_REJECTED', { code: 'ACQ.PAYMENT_REQUEST_HAS_RISK' }],
      ['OPERATOR_FAILED', { operatorFailed: true }],
      ['CODE_NEVER_RETRIED', { code: 'BUYER_BALANCE_NOT_ENOUGH' }],
      ['CODE_NEVER_RETRIED', { code: 'CARD_EXPIRED' }],
      ['CODE_NEVER_RETRIED', { code: 'WRONG_SMS_CODE' }],
      ['CODE_NEVER_RETRIED', { code: 'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH' }],
      ['CODE_NEVER_RETRIED', { code: 'TRADE_HAS_SUCCESS' }],
    ])('refuses %s for %j, even under a rule that retries everything', (reason, broken) => {
      const ctx = aContext(broken);
      expect(decideRetry(permissive, ctx)).toEqual({ retry: false, reason, rule: null });
      // Even a rule listing the code explicitly, scoped to exactly this payment, cannot override it.
      const explicit = aRule({
        codes: [ctx.code],
        transactionTypes: [ctx.transactionType],
        maxRetries: 100,
        maxWaitMs: 1e9,
      });
      expect(decideRetry([explicit], ctx)).toEqual({ retry: false, reason, rule: null });
    });

    it.each<[string, Partial<RetryContext>]>([
      ['NOT_BANK_CARD', { methodType: 'wallet', transactionType: 'PAYOUT', riskRejected: true }],
      [
        'TRANSACTION_TYPE_NEVER_RETRIED',
        { transactionType: 'AUTH', riskRejected: true, operatorFailed: true },
      ],
      ['RISK_REJECTED', { riskRejected: true, operatorFailed: true, code: 'CARD_EXPIRED' }],
      ['RISK_REJECTED', { operatorFailed: true, code: 'FRAUD_SUSPECTED' }],
      ['OPERATOR_FAILED', { operatorFailed: true, code: 'CARD_EXPIRED' }],
    ])('reports the first broken principle, %s, for %j', (reason, broken) => {
      expect(decideRetry(permissive, aContext(broken))).toEqual({ retry: false, reason, rule: null });
    });

    it('refuses by principle before reading the clock', () => {
      expect(decideRetry([aRule()], aContext({ methodType: 'wallet', now: 'garbage' }))).toEqual({
        retry: false,
        reason: 'NOT_BANK_CARD',
        rule: null,
      });
      expect(() => decideRetry([aRule()], aContext({ now: 'garbage' }))).toThrow(RangeError);
    });

    it('treats a missing flag (a bug upstream) as set, so it refuses', () => {
      const noRisk = { ...aContext(), riskRejected: undefined } as unknown as RetryContext;
      expect(decideRetry(permissive, noRisk)).toMatchObject({ retry: false, reason: 'RISK_REJECTED' });
      const noOperator = { ...aContext(), operatorFailed: undefined } as unknown as RetryContext;
      expect(decideRetry(permissive, noOperator)).toMatchObject({ retry: false, reason: 'OPERATOR_FAILED' });
    });
  });

  describe('the matching rule', () => {
    it('refuses when no rule matches, naming none', () => {
      expect(decideRetry([], aContext())).toEqual({ retry: false, reason: 'NO_MATCHING_RULE', rule: null });
      expect(decideRetry([aRule({ merchantId: 'm_other' })], aContext())).toEqual({
        retry: false,
        reason: 'NO_MATCHING_RULE',
        rule: null,
      });
    });

    it('WHITELIST: refuses a code it does not list, naming the rule', () => {
      const rule = aRule({ codes: ['SYSTEM_ERROR'] });
      expect(decideRetry([rule], aContext({ code: 'PAYMENT_FAIL' }))).toEqual({
        retry: false,
        reason: 'CODE_NOT_RETRYABLE_BY_RULE',
        rule,
      });
    });

    it('BLACKLIST: refuses the codes it lists and retries any other', () => {
      const rule = aRule({ codeMode: 'BLACKLIST', codes: ['TIMEOUT'] });
      expect(decideRetry([rule], aContext({ code: 'TIMEOUT' }))).toEqual({
        retry: false,
        reason: 'CODE_NOT_RETRYABLE_BY_RULE',
        rule,
      });
      expect(decideRetry([rule], aContext({ code: 'BRAND_NEW_CODE' }))).toEqual({ retry: true, rule });
    });

    it('lets the applicable rule decide: a refusing merchant rule is not overruled by a permissive industry rule', () => {
      const merchant = aRule({ ruleNo: '900', codes: ['TIMEOUT'] });
      const industry = anIndustryRule({ ruleNo: '001', codeMode: 'BLACKLIST', codes: [] });
      expect(decideRetry([industry, merchant], aContext())).toEqual({
        retry: false,
        reason: 'CODE_NOT_RETRYABLE_BY_RULE',
        rule: merchant,
      });
    });
  });

  describe('traffic share', () => {
    // The default payment falls in bucket 12 for rule 001 (pinned in traffic-share.test.ts).
    const bucket = trafficBucket(aContext().paymentId, '001');

    it('refuses a payment outside the share and retries one inside it', () => {
      expect(bucket).toBe(12);
      const out = aRule({ trafficPercent: bucket });
      expect(decideRetry([out], aContext())).toEqual({
        retry: false,
        reason: 'OUTSIDE_TRAFFIC_SHARE',
        rule: out,
      });
      const inside = aRule({ trafficPercent: bucket + 1 });
      expect(decideRetry([inside], aContext())).toEqual({ retry: true, rule: inside });
    });

    it('0 % never retries and 100 % always does', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^pay_[0-9a-f]{32}$/), (paymentId) => {
          expect(decideRetry([aRule({ trafficPercent: 0 })], aContext({ paymentId }))).toMatchObject({
            retry: false,
            reason: 'OUTSIDE_TRAFFIC_SHARE',
          });
          expect(decideRetry([aRule({ trafficPercent: 100 })], aContext({ paymentId })).retry).toBe(true);
        }),
      );
    });

    it('gives the same payment the same answer every time, whatever its retry count', () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^pay_[0-9a-f]{32}$/),
          fc.integer({ min: 0, max: 100 }),
          (paymentId, p) => {
            const rule = aRule({ trafficPercent: p, maxRetries: 10 });
            const answers = [0, 1, 2].map(
              (n) => decideRetry([rule], aContext({ paymentId, retriesSoFar: n })).retry,
            );
            expect(new Set(answers).size).toBe(1);
          },
        ),
      );
    });
  });

  describe('count and wait bounds', () => {
    const rule = aRule({ maxRetries: 3, maxWaitMs: 10_000 });

    it('retries while retriesSoFar < maxRetries', () => {
      expect(decideRetry([rule], aContext({ retriesSoFar: 0 })).retry).toBe(true);
      expect(decideRetry([rule], aContext({ retriesSoFar: 2 })).retry).toBe(true);
      expect(decideRetry([rule], aContext({ retriesSoFar: 3 }))).toEqual({
        retry: false,
        reason: 'MAX_RETRIES_REACHED',
        rule,
      });
      expect(decideRetry([rule], aContext({ retriesSoFar: 4 }))).toMatchObject({
        reason: 'MAX_RETRIES_REACHED',
      });
    });

    it('maxRetries 0 never retries', () => {
      expect(decideRetry([aRule({ maxRetries: 0 })], aContext())).toMatchObject({
        retry: false,
        reason: 'MAX_RETRIES_REACHED',
      });
    });

    it('retries while elapsedMs < maxWaitMs', () => {
      expect(decideRetry([rule], aContext({ elapsedMs: 9_999 })).retry).toBe(true);
      expect(decideRetry([rule], aContext({ elapsedMs: 10_000 }))).toEqual({
        retry: false,
        reason: 'MAX_WAIT_EXCEEDED',
        rule,
      });
      expect(decideRetry([aRule({ maxWaitMs: 0 })], aContext())).toMatchObject({
        reason: 'MAX_WAIT_EXCEEDED',
      });
    });

    it('refuses on a NaN count or wait, or a NaN bound (a bug upstream)', () => {
      expect(decideRetry([rule], aContext({ retriesSoFar: NaN }))).toMatchObject({
        reason: 'MAX_RETRIES_REACHED',
      });
      expect(decideRetry([rule], aContext({ elapsedMs: NaN }))).toMatchObject({
        reason: 'MAX_WAIT_EXCEEDED',
      });
      expect(decideRetry([aRule({ maxRetries: NaN })], aContext())).toMatchObject({ retry: false });
      expect(decideRetry([aRule({ maxWaitMs: NaN })], aContext())).toMatchObject({ retry: false });
    });
  });

  describe('order of the rule checks', () => {
    it('code mode before traffic share before count before wait', () => {
      const everything = aRule({ codes: ['TIMEOUT'], trafficPercent: 0, maxRetries: 0, maxWaitMs: 0 });
      expect(decideRetry([everything], aContext())).toMatchObject({ reason: 'CODE_NOT_RETRYABLE_BY_RULE' });
      const shareCountWait = aRule({ trafficPercent: 0, maxRetries: 0, maxWaitMs: 0 });
      expect(decideRetry([shareCountWait], aContext())).toMatchObject({ reason: 'OUTSIDE_TRAFFIC_SHARE' });
      const countWait = aRule({ maxRetries: 0, maxWaitMs: 0 });
      expect(decideRetry([countWait], aContext())).toMatchObject({ reason: 'MAX_RETRIES_REACHED' });
    });
  });

  it('agrees with a step-by-step model on arbitrary rules and payments', () => {
    const model = (rules: RetryRule[], ctx: RetryContext): [string, RetryRule | null] => {
      if (ctx.methodType !== 'bank_card') return ['NOT_BANK_CARD', null];
      if (ctx.transactionType !== 'PURCHASE') return ['TRANSACTION_TYPE_NEVER_RETRIED', null];
      if (ctx.riskRejected || ['RISK_REJECTED', 'PAYMENT_REQUEST_HAS_RISK'].includes(ctx.code))
        return ['RISK_REJECTED', null];
      if (ctx.operatorFailed) return ['OPERATOR_FAILED', null];
      if (['BUYER_BALANCE_NOT_ENOUGH', 'CARD_EXPIRED'].includes(ctx.code))
        return ['CODE_NEVER_RETRIED', null];
      // matchRule has its own model test in rule-matching.test.ts.
      const r = matchRule(rules, ctx);
      if (r === null) return ['NO_MATCHING_RULE', null];
      if (r.codes.includes(ctx.code) !== (r.codeMode === 'WHITELIST'))
        return ['CODE_NOT_RETRYABLE_BY_RULE', r];
      if (trafficBucket(ctx.paymentId, r.ruleNo) >= r.trafficPercent) return ['OUTSIDE_TRAFFIC_SHARE', r];
      if (ctx.retriesSoFar >= r.maxRetries) return ['MAX_RETRIES_REACHED', r];
      if (ctx.elapsedMs >= r.maxWaitMs) return ['MAX_WAIT_EXCEEDED', r];
      return ['RETRY', r];
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(arbRules, arbContext, (rules, ctx) => {
        const d = decideRetry(rules, ctx);
        const [outcome, rule] = model(rules, ctx);
        seen.add(outcome);
        expect([d.retry ? 'RETRY' : d.reason, d.rule]).toEqual([outcome, rule]);
      }),
      { numRuns: 3000, seed: 42 },
    );
    // Every outcome was reached, so the comparison covered each branch.
    expect([...seen].sort()).toEqual([...REFUSAL_REASONS, 'RETRY'].sort());
  });
});

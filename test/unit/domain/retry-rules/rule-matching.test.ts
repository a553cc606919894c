import fc from 'fast-check';
import type { RetryContext, RetryRule } from '../../../../src/domain/retry-rules';
import { matchRule } from '../../../../src/domain/retry-rules/rule-matching';
import { aContext, anIndustryRule, aRule, arbContext, arbRules, shuffled } from './fixtures';

/**
 * An independent model of matchRule: filter, then sort by (level desc, ruleNo asc). The engine does a
 * single pass; agreeing on every input shows the pass neither depends on order nor skips a candidate.
 */
function modelMatch(rules: readonly RetryRule[], ctx: RetryContext): RetryRule | null {
  const now = Date.parse(ctx.now);
  const any = <T>(list: readonly T[], v: T): boolean => list.length === 0 || list.includes(v);
  const levelOf = (r: RetryRule): number =>
    r.merchantId !== null ? (r.merchantId === ctx.merchantId ? 2 : 0) : r.industry === ctx.industry ? 1 : 0;
  const candidates = rules.filter(
    (r) =>
      levelOf(r) > 0 &&
      r.enabled &&
      (r.validFrom === null || Date.parse(r.validFrom) <= now) &&
      (r.validTo === null || now < Date.parse(r.validTo)) &&
      any(r.channels, ctx.channel) &&
      (ctx.brand === null ? r.brands.length === 0 : any(r.brands, ctx.brand)) &&
      any(r.currencies, ctx.currency) &&
      any(r.transactionTypes, ctx.transactionType) &&
      any(r.sources, ctx.source),
  );
  candidates.sort(
    (a, b) => levelOf(b) - levelOf(a) || (a.ruleNo < b.ruleNo ? -1 : a.ruleNo > b.ruleNo ? 1 : 0),
  );
  return candidates[0] ?? null;
}

describe('matchRule', () => {
  it('finds nothing among no rules', () => {
    expect(matchRule([], aContext())).toBeNull();
  });

  describe('dimensions', () => {
    const cases: [string, Partial<RetryRule>, Partial<RetryContext>][] = [
      ['channels', { channels: ['sandbox', 'alipay_a'] }, { channel: 'alipay_b' }],
      ['brands', { brands: ['ABC_CREDIT'] }, { brand: 'ICBC_DEBIT' }],
      ['currencies', { currencies: ['CNY'] }, { currency: 'USD' }],
      ['transactionTypes', { transactionTypes: ['PURCHASE'] }, { transactionType: 'AUTH' }],
      ['sources', { sources: ['ONLINE', 'APP'] }, { source: 'POS' }],
    ];

    it.each(cases)('%s: a listed value matches, an unlisted one does not', (_name, restriction, other) => {
      const rule = aRule(restriction);
      expect(matchRule([rule], aContext())).toBe(rule);
      expect(matchRule([rule], aContext(other))).toBeNull();
    });

    it.each(cases)('%s: an empty list matches any value', (_name, _restriction, other) => {
      const rule = aRule();
      expect(matchRule([rule], aContext(other))).toBe(rule);
    });

    it('matches values exactly, case included', () => {
      expect(matchRule([aRule({ currencies: ['CNY'] })], aContext({ currency: 'cny' }))).toBeNull();
      expect(matchRule([aRule({ channels: ['sandbox'] })], aContext({ channel: 'Sandbox' }))).toBeNull();
    });

    it('a payment without brand matches only a rule naming no brand', () => {
      const anyBrand = aRule({ ruleNo: '002' });
      const oneBrand = aRule({ ruleNo: '001', brands: ['ABC_CREDIT'] });
      expect(matchRule([oneBrand], aContext({ brand: null }))).toBeNull();
      expect(matchRule([oneBrand, anyBrand], aContext({ brand: null }))).toBe(anyBrand);
      expect(matchRule([oneBrand, anyBrand], aContext({ brand: 'ABC_CREDIT' }))).toBe(oneBrand);
    });

    it('requires every dimension at once', () => {
      const rule = aRule({
        channels: ['sandbox'],
        brands: ['ABC_CREDIT'],
        currencies: ['CNY'],
        transactionTypes: ['PURCHASE'],
        sources: ['APP'],
      });
      expect(matchRule([rule], aContext({ source: 'APP' }))).toBe(rule);
      expect(matchRule([rule], aContext({ source: 'ONLINE' }))).toBeNull();
    });
  });

  describe('scope', () => {
    it('ignores another merchant’s rule and another industry’s rule', () => {
      expect(matchRule([aRule({ merchantId: 'm_other' })], aContext())).toBeNull();
      expect(matchRule([anIndustryRule({ industry: 'travel' })], aContext())).toBeNull();
    });

    it('applies the industry rule to every merchant of the industry', () => {
      const rule = anIndustryRule();
      expect(matchRule([rule], aContext({ merchantId: 'm_any' }))).toBe(rule);
    });

    it('ignores a rule scoped to nobody (no merchant, no industry)', () => {
      expect(matchRule([aRule({ merchantId: null, industry: null })], aContext())).toBeNull();
    });

    it('gives an empty industry no industry rule, not even one whose industry is ""', () => {
      const blank = anIndustryRule({ industry: '' });
      expect(matchRule([blank], aContext({ industry: '' }))).toBeNull();
      expect(matchRule([blank], aContext())).toBeNull();
      // The merchant's own rule still applies to a merchant of unknown industry.
      const own = aRule();
      expect(matchRule([blank, own], aContext({ industry: '' }))).toBe(own);
    });
  });

  describe('precedence', () => {
    const industry = anIndustryRule({ ruleNo: '001' });
    const merchant = aRule({ ruleNo: '999' });

    it('prefers the merchant’s rule to the industry’s, in either order and despite a higher ruleNo', () => {
      expect(matchRule([industry, merchant], aContext())).toBe(merchant);
      expect(matchRule([merchant, industry], aContext())).toBe(merchant);
    });

    it('counts a rule with both merchantId and industry as the merchant’s, whatever that industry', () => {
      const both = aRule({ ruleNo: '500', industry: 'retail' });
      expect(matchRule([industry, both], aContext())).toBe(both);
      const otherIndustry = aRule({ ruleNo: '500', industry: 'travel' });
      expect(matchRule([industry, otherIndustry], aContext())).toBe(otherIndustry);
      // And it stays the merchant's: another merchant of that industry does not get it.
      expect(matchRule([both], aContext({ merchantId: 'm_other' }))).toBeNull();
    });

    it('falls back to the industry rule when the merchant’s rule does not match the payment', () => {
      const sandboxOnly = aRule({ ruleNo: '999', channels: ['sandbox'] });
      expect(matchRule([sandboxOnly, industry], aContext({ channel: 'alipay_a' }))).toBe(industry);
    });

    it('picks the lowest ruleNo among rules of one level, by plain string order', () => {
      const r001 = aRule({ ruleNo: '001' });
      const r002 = aRule({ ruleNo: '002' });
      expect(matchRule([r002, r001], aContext())).toBe(r001);
      expect(matchRule([r001, r002], aContext())).toBe(r001);
      // String order: "10" < "9".
      const r9 = anIndustryRule({ ruleNo: '9' });
      const r10 = anIndustryRule({ ruleNo: '10' });
      expect(matchRule([r9, r10], aContext())).toBe(r10);
    });

    it('is fed inputs where merchant rules, industry rules and no rule all win (so the properties bite)', () => {
      const picks = fc
        .sample(fc.tuple(arbRules, arbContext), { numRuns: 500, seed: 7 })
        .map(([rules, ctx]) => matchRule(rules, ctx));
      expect(picks.filter((r) => r === null).length).toBeGreaterThan(25);
      expect(picks.filter((r) => r !== null && r.merchantId !== null).length).toBeGreaterThan(25);
      expect(picks.filter((r) => r !== null && r.merchantId === null).length).toBeGreaterThan(25);
    });

    it('agrees with the filter-and-sort model on arbitrary rules and payments', () => {
      fc.assert(
        fc.property(arbRules, arbContext, (rules, ctx) => {
          expect(matchRule(rules, ctx)).toBe(modelMatch(rules, ctx));
        }),
        { numRuns: 500 },
      );
    });

    it('does not depend on the order of the rules', () => {
      fc.assert(
        fc.property(
          arbRules.chain((rules) => fc.tuple(fc.constant(rules), shuffled(rules))),
          arbContext,
          ([rules, reordered], ctx) => {
            expect(matchRule(reordered, ctx)).toBe(matchRule(rules, ctx));
          },
        ),
        { numRuns: 300 },
      );
    });

    it('never lets an industry rule win while a merchant rule of the payment matches', () => {
      fc.assert(
        fc.property(arbRules, arbContext, (rules, ctx) => {
          const chosen = matchRule(rules, ctx);
          const merchantMatches = rules.some(
            (r) => r.merchantId === ctx.merchantId && matchRule([r], ctx) === r,
          );
          if (merchantMatches) expect(chosen?.merchantId).toBe(ctx.merchantId);
          if (chosen !== null && chosen.merchantId === null) expect(merchantMatches).toBe(false);
        }),
        { numRuns: 300 },
      );
    });
  });
});

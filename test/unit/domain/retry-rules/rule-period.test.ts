import fc from 'fast-check';
import { matchRule } from '../../../../src/domain/retry-rules/rule-matching';
import { ruleInForce } from '../../../../src/domain/retry-rules/rule-period';
import { aContext, anIndustryRule, aRule, arbRule, iso, NOW, NOW_MS } from './fixtures';

describe('ruleInForce', () => {
  it('is in force when enabled with open ends', () => {
    expect(ruleInForce(aRule(), NOW_MS)).toBe(true);
  });

  it('is never in force when disabled, whatever its period', () => {
    expect(ruleInForce(aRule({ enabled: false }), NOW_MS)).toBe(false);
    expect(
      ruleInForce(
        aRule({ enabled: false, validFrom: iso(NOW_MS - 1000), validTo: iso(NOW_MS + 1000) }),
        NOW_MS,
      ),
    ).toBe(false);
  });

  it('includes validFrom itself', () => {
    const rule = aRule({ validFrom: NOW });
    expect(ruleInForce(rule, NOW_MS - 1)).toBe(false);
    expect(ruleInForce(rule, NOW_MS)).toBe(true);
    expect(ruleInForce(rule, NOW_MS + 1)).toBe(true);
  });

  it('excludes validTo itself', () => {
    const rule = aRule({ validTo: NOW });
    expect(ruleInForce(rule, NOW_MS - 1)).toBe(true);
    expect(ruleInForce(rule, NOW_MS)).toBe(false);
    expect(ruleInForce(rule, NOW_MS + 1)).toBe(false);
  });

  it('with both ends is in force on [validFrom, validTo)', () => {
    const rule = aRule({ validFrom: '2019-01-01T00:00:00+08:00', validTo: '2020-01-01T00:00:00+08:00' });
    expect(ruleInForce(rule, Date.parse('2018-12-31T15:59:59.999Z'))).toBe(false);
    expect(ruleInForce(rule, Date.parse('2018-12-31T16:00:00.000Z'))).toBe(true);
    expect(ruleInForce(rule, Date.parse('2019-12-31T15:59:59.999Z'))).toBe(true);
    expect(ruleInForce(rule, Date.parse('2019-12-31T16:00:00.000Z'))).toBe(false);
  });

  it('is never in force when validFrom is not before validTo', () => {
    expect(ruleInForce(aRule({ validFrom: NOW, validTo: NOW }), NOW_MS)).toBe(false);
    expect(ruleInForce(aRule({ validFrom: iso(NOW_MS + 1), validTo: iso(NOW_MS - 1) }), NOW_MS)).toBe(false);
  });

  it.each(['2030-06-15', '2030-06-15T12:00:00', 'tomorrow', ''])(
    'is never in force with an unreadable bound %j: an unreadable rule retries nothing',
    (bad) => {
      expect(ruleInForce(aRule({ validFrom: bad }), NOW_MS)).toBe(false);
      expect(ruleInForce(aRule({ validTo: bad }), NOW_MS)).toBe(false);
    },
  );

  it('agrees with validFrom <= now < validTo for any instants', () => {
    const t = fc.integer({ min: NOW_MS - 5, max: NOW_MS + 5 });
    fc.assert(
      fc.property(fc.option(t, { nil: null }), fc.option(t, { nil: null }), t, (from, to, now) => {
        const rule = aRule({
          validFrom: from === null ? null : iso(from),
          validTo: to === null ? null : iso(to),
        });
        expect(ruleInForce(rule, now)).toBe((from === null || from <= now) && (to === null || now < to));
      }),
    );
  });
});

describe('matchRule and periods', () => {
  it('skips a disabled or out-of-period merchant rule and falls back to the industry rule', () => {
    const industry = anIndustryRule({ ruleNo: '900' });
    for (const merchant of [
      aRule({ enabled: false }),
      aRule({ validFrom: iso(NOW_MS + 1) }),
      aRule({ validTo: NOW }),
    ]) {
      expect(matchRule([merchant, industry], aContext())).toBe(industry);
      expect(matchRule([merchant], aContext())).toBeNull();
    }
  });

  it('never returns a disabled rule, nor one out of its period', () => {
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 10 }), fc.integer({ min: -3, max: 3 }), (rules, d) => {
        const now = NOW_MS + d;
        const chosen = matchRule(rules, aContext({ now: iso(now) }));
        if (chosen === null) return;
        expect(chosen.enabled).toBe(true);
        if (chosen.validFrom !== null) expect(Date.parse(chosen.validFrom)).toBeLessThanOrEqual(now);
        if (chosen.validTo !== null) expect(Date.parse(chosen.validTo)).toBeGreaterThan(now);
      }),
    );
  });

  it('reads now with its offset', () => {
    const rule = aRule({ validFrom: NOW });
    expect(matchRule([rule], aContext({ now: '2030-06-15T20:00:00+08:00' }))).toBe(rule);
    expect(matchRule([rule], aContext({ now: '2030-06-15T19:59:59.999+08:00' }))).toBeNull();
  });

  it.each(['2030-06-15', 'now', ''])(
    'throws RangeError for an unreadable now %j (our clock: a bug)',
    (now) => {
      expect(() => matchRule([aRule()], aContext({ now }))).toThrow(RangeError);
      expect(() => matchRule([], aContext({ now }))).toThrow(RangeError);
    },
  );
});

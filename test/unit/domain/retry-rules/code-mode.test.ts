import { ruleAllowsCode } from '../../../../src/domain/retry-rules/code-mode';
import type { RetryRule } from '../../../../src/domain/retry-rules/retry-rule';
import { aRule } from './fixtures';

describe('ruleAllowsCode', () => {
  describe('WHITELIST', () => {
    const rule = aRule({ codeMode: 'WHITELIST', codes: ['SYSTEM_ERROR', 'PAYMENT_FAIL'] });

    it('retries only the listed codes', () => {
      expect(ruleAllowsCode(rule, 'SYSTEM_ERROR')).toBe(true);
      expect(ruleAllowsCode(rule, 'PAYMENT_FAIL')).toBe(true);
      expect(ruleAllowsCode(rule, 'TIMEOUT')).toBe(false);
      expect(ruleAllowsCode(rule, 'SOME_CODE_ADDED_NEXT_YEAR')).toBe(false);
    });

    it('with no codes retries nothing', () => {
      expect(ruleAllowsCode(aRule({ codeMode: 'WHITELIST', codes: [] }), 'SYSTEM_ERROR')).toBe(false);
    });
  });

  describe('BLACKLIST', () => {
    const rule = aRule({ codeMode: 'BLACKLIST', codes: ['TIMEOUT'] });

    it('retries all but the listed codes', () => {
      expect(ruleAllowsCode(rule, 'TIMEOUT')).toBe(false);
      expect(ruleAllowsCode(rule, 'SYSTEM_ERROR')).toBe(true);
      expect(ruleAllowsCode(rule, 'SOME_CODE_ADDED_NEXT_YEAR')).toBe(true);
    });

    it('with no codes retries everything (the principles still stand before it)', () => {
      expect(ruleAllowsCode(aRule({ codeMode: 'BLACKLIST', codes: [] }), 'ANYTHING')).toBe(true);
    });
  });

  it('compares normalised codes on both sides', () => {
    expect(ruleAllowsCode(aRule({ codes: ['ACQ.SYSTEM_ERROR'] }), 'SYSTEM_ERROR')).toBe(true);
    expect(ruleAllowsCode(aRule({ codes: ['SYSTEM_ERROR'] }), 'acq.system_error')).toBe(true);
    expect(ruleAllowsCode(aRule({ codeMode: 'BLACKLIST', codes: ['TIMEOUT'] }), 'ACQ.TIMEOUT')).toBe(false);
  });

  it('allows nothing under a code mode it does not know (a bad row)', () => {
    const bad = { ...aRule({ codes: [] }), codeMode: 'GREYLIST' } as unknown as RetryRule;
    expect(ruleAllowsCode(bad, 'SYSTEM_ERROR')).toBe(false);
    expect(ruleAllowsCode({ ...bad, codes: ['SYSTEM_ERROR'] }, 'SYSTEM_ERROR')).toBe(false);
  });
});

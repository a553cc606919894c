import { parseRfc3339Millis } from '../rfc3339';
import type { RetryRule } from './retry-rule';

/**
 * Whether the rule is switched on and in force at nowMillis: validFrom <= now < validTo, a null end
 * being open. A bound that does not parse makes the rule never in force: a rule we cannot read must
 * make no payment retry (the API should have refused it in the first place).
 */
export function ruleInForce(rule: RetryRule, nowMillis: number): boolean {
  if (rule.enabled !== true) return false;
  if (rule.validFrom !== null) {
    const from = parseRfc3339Millis(rule.validFrom);
    if (from === null || nowMillis < from) return false;
  }
  if (rule.validTo !== null) {
    const to = parseRfc3339Millis(rule.validTo);
    if (to === null || nowMillis >= to) return false;
  }
  return true;
}

import { normalizeRetryCode } from './never-retried-codes';
import type { RetryRule } from './retry-rule';

/**
 * Whether the rule's code list lets this code retry. Both sides are normalised so that a rule
 * listing "ACQ.SYSTEM_ERROR" and a code "SYSTEM_ERROR" agree. A code mode we do not know (a bad
 * row) allows nothing: WHITELIST semantics with an empty list.
 */
export function ruleAllowsCode(rule: RetryRule, code: string): boolean {
  const wanted = normalizeRetryCode(code);
  const listed = rule.codes.some((c) => normalizeRetryCode(c) === wanted);
  switch (rule.codeMode) {
    case 'WHITELIST':
      return listed;
    case 'BLACKLIST':
      return !listed;
    default:
      return false;
  }
}

import { parseRfc3339Millis } from '../rfc3339';
import type { RetryContext } from './retry-context';
import type { RetryRule } from './retry-rule';
import { ruleInForce } from './rule-period';

/** Empty list = any value; otherwise the value must be listed (exact, case-sensitive). */
function listAllows<T>(list: readonly T[], value: T): boolean {
  return list.length === 0 || list.includes(value);
}

/** A payment without brand matches only a rule that names no brand: a brand-specific rule is about that brand. */
function brandAllows(brands: readonly string[], brand: string | null): boolean {
  return brand === null ? brands.length === 0 : listAllows(brands, brand);
}

function dimensionsMatch(rule: RetryRule, ctx: RetryContext): boolean {
  return (
    listAllows(rule.channels, ctx.channel) &&
    brandAllows(rule.brands, ctx.brand) &&
    listAllows(rule.currencies, ctx.currency) &&
    listAllows(rule.transactionTypes, ctx.transactionType) &&
    listAllows(rule.sources, ctx.source)
  );
}

/**
 * 2: the merchant's own rule; 1: its industry's rule; 0: not about this payment. A rule with neither
 * merchantId nor industry is about nobody: a platform-wide default would enable retries for every
 * merchant at once, which should be an explicit rule per industry, not an empty field. An empty
 * industry (what a caller passes for a merchant it could not find) belongs to no industry, so it
 * cannot pick up a rule whose industry is "" by accident.
 */
function level(rule: RetryRule, ctx: RetryContext): 0 | 1 | 2 {
  if (rule.merchantId !== null) return rule.merchantId === ctx.merchantId ? 2 : 0;
  if (rule.industry !== null && rule.industry !== '') return rule.industry === ctx.industry ? 1 : 0;
  return 0;
}

/**
 * The rule that applies: among enabled rules valid at ctx.now (validFrom <= now < validTo, open ends
 * allowed) whose channels/brands/currencies/transactionTypes/sources match (empty list = any; brand
 * null matches only an empty brands list), a rule of ctx.merchantId wins over a rule of ctx.industry
 * (merchantId null); a rule with both merchantId and industry set counts as the merchant's. Among
 * several of the same level, the lowest ruleNo (string compare) wins, so the answer is deterministic.
 * Throws RangeError when ctx.now is not RFC 3339: the clock is ours, so that is a bug to surface.
 */
export function matchRule(rules: readonly RetryRule[], ctx: RetryContext): RetryRule | null {
  const nowMillis = parseRfc3339Millis(ctx.now);
  if (nowMillis === null) throw new RangeError(`Invalid now: ${JSON.stringify(ctx.now)}`);
  let best: RetryRule | null = null;
  let bestLevel = 0;
  for (const rule of rules) {
    const l = level(rule, ctx);
    if (l === 0 || l < bestLevel) continue;
    if (!ruleInForce(rule, nowMillis) || !dimensionsMatch(rule, ctx)) continue;
    // Plain < rather than localeCompare: the order must not depend on the machine's locale.
    if (best === null || l > bestLevel || rule.ruleNo < best.ruleNo) {
      best = rule;
      bestLevel = l;
    }
  }
  return best;
}

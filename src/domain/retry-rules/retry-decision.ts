import { ruleAllowsCode } from './code-mode';
import { principleRefusal } from './principles';
import type { RetryContext } from './retry-context';
import type { RetryRule } from './retry-rule';
import { matchRule } from './rule-matching';
import { inTrafficShare } from './traffic-share';

/** In the order decideRetry checks them, so a reason also says which checks passed. */
export const REFUSAL_REASONS = [
  'NOT_BANK_CARD',
  'TRANSACTION_TYPE_NEVER_RETRIED',
  'RISK_REJECTED',
  'OPERATOR_FAILED',
  'CODE_NEVER_RETRIED',
  'NO_MATCHING_RULE',
  'CODE_NOT_RETRYABLE_BY_RULE',
  'OUTSIDE_TRAFFIC_SHARE',
  'MAX_RETRIES_REACHED',
  'MAX_WAIT_EXCEEDED',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A refusal by principle carries no rule (none was consulted); a later refusal names the rule that said no. */
export type RetryDecision =
  { retry: true; rule: RetryRule } | { retry: false; reason: RefusalReason; rule: RetryRule | null };

/**
 * Principles no rule can override, checked first, in this order: only bank_card; never AUTH or
 * PAYOUT; never risk rejections; never operator-failed; never codes no retry can fix. Then the
 * matching rule, its code mode, its traffic share, its count and wait bounds.
 * The bounds are written as "retry while below", so a NaN count or wait (a bug upstream) refuses.
 */
export function decideRetry(rules: readonly RetryRule[], ctx: RetryContext): RetryDecision {
  const principle = principleRefusal(ctx);
  if (principle !== null) return { retry: false, reason: principle, rule: null };
  const rule = matchRule(rules, ctx);
  if (rule === null) return { retry: false, reason: 'NO_MATCHING_RULE', rule: null };
  const refuse = (reason: RefusalReason): RetryDecision => ({ retry: false, reason, rule });
  if (!ruleAllowsCode(rule, ctx.code)) return refuse('CODE_NOT_RETRYABLE_BY_RULE');
  if (!inTrafficShare(ctx.paymentId, rule.ruleNo, rule.trafficPercent))
    return refuse('OUTSIDE_TRAFFIC_SHARE');
  if (!(ctx.retriesSoFar < rule.maxRetries)) return refuse('MAX_RETRIES_REACHED');
  if (!(ctx.elapsedMs < rule.maxWaitMs)) return refuse('MAX_WAIT_EXCEEDED');
  return { retry: true, rule };
}

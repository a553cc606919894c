import type { MerchantRepository } from '../db/merchant-repository';
import type { RetryRuleRepository } from '../db/retry-rule-repository';
import { retryTargets } from '../domain/retry-rules/channel-routing';
import { decideRetry } from '../domain/retry-rules/retry-decision';
import type { RefusalReason } from '../domain/retry-rules/retry-decision';
import type { RetryContext } from '../domain/retry-rules/retry-context';

/** The retry context the workflow knows; the merchant's industry and the flags are filled in here. */
export type RetryQuestion = Omit<RetryContext, 'industry' | 'riskRejected' | 'operatorFailed'>;

export type RetryVerdict =
  | {
      retry: true;
      ruleNo: string;
      /** The merchant's accounts this retry may move to: the same protocol, others only where the rule names them. */
      targets?: string[];
    }
  | { retry: false; reason: RefusalReason; ruleNo: string | null };

/** Reads the configured rules and asks the pure engine; the workflow enforces the answer. */
export function createRetryActivities({
  merchants,
  retryRules,
  kindOf,
}: {
  merchants: MerchantRepository;
  retryRules: RetryRuleRepository;
  /** The protocol of a channel account (ChannelRegistry.kindOf): retries stay within one unless a rule says so. */
  kindOf: (channel: string) => string | undefined;
}) {
  return {
    async decideRetry(q: RetryQuestion): Promise<RetryVerdict> {
      const merchant = await merchants.findMerchant(q.merchantId);
      const rules = await retryRules.listEnabled();
      const d = decideRetry(rules, {
        ...q,
        industry: merchant?.industry ?? '',
        // Risk rejections are recognised by their codes; operators failing a payment is not possible yet.
        riskRejected: false,
        operatorFailed: false,
      });
      return d.retry
        ? {
            retry: true,
            ruleNo: d.rule.ruleNo,
            targets: retryTargets(merchant?.channels ?? [], q.channel, kindOf, d.rule.channels),
          }
        : { retry: false, reason: d.reason, ruleNo: d.rule?.ruleNo ?? null };
    },
  };
}

export type RetryActivities = ReturnType<typeof createRetryActivities>;

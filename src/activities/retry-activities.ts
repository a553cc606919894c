import type { MerchantRepository } from '../db/merchant-repository';
import type { RetryRuleRepository } from '../db/retry-rule-repository';
import { decideRetry } from '../domain/retry-rules/retry-decision';
import type { RefusalReason } from '../domain/retry-rules/retry-decision';
import type { Source, TransactionType } from '../domain/payment-status';

export interface RetryQuestion {
  paymentId: string;
  merchantId: string;
  channel: string;
  methodType: string;
  brand: string | null;
  currency: string;
  transactionType: TransactionType;
  source: Source;
  code: string;
  retriesSoFar: number;
  elapsedMs: number;
  now: string;
}

export type RetryVerdict =
  { retry: true; ruleNo: string } | { retry: false; reason: RefusalReason; ruleNo: string | null };

/** Reads the configured rules and asks the pure engine; the workflow enforces the answer. */
export function createRetryActivities({
  merchants,
  retryRules,
}: {
  merchants: MerchantRepository;
  retryRules: RetryRuleRepository;
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
        ? { retry: true, ruleNo: d.rule.ruleNo }
        : { retry: false, reason: d.reason, ruleNo: d.rule?.ruleNo ?? null };
    },
  };
}

export type RetryActivities = ReturnType<typeof createRetryActivities>;

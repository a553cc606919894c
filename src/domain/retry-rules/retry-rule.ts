import type { Source, TransactionType } from '../payment-status';

/**
 * WHITELIST is the safe default: a code the channel adds later, unknown to the rule, is simply not
 * retried (a lost chance). BLACKLIST retries it (a possible double charge or fraud retry), so it is
 * opt-in per rule.
 */
export const CODE_MODES = ['WHITELIST', 'BLACKLIST'] as const;
export type CodeMode = (typeof CODE_MODES)[number];

/** One retry rule as the ops API (contract section 7) stores it. */
export interface RetryRule {
  /** Unique; the lowest one wins a tie, so matching never depends on storage order. */
  ruleNo: string;
  /** null: an industry rule. A rule with a merchantId is that merchant's, whatever its industry. */
  merchantId: string | null;
  /** e.g. "retail", "travel"; used only when merchantId is null. */
  industry: string | null;
  /** Channel accounts the FAILED attempt was at; [] = any. */
  channels: string[];
  /** Payment brands e.g. "ABC_CREDIT"; [] = any (and the only list a payment without brand matches). */
  brands: string[];
  /** [] = any. */
  currencies: string[];
  /** [] = any; AUTH and PAYOUT are refused by principle before any rule is read. */
  transactionTypes: TransactionType[];
  codeMode: CodeMode;
  /** Canonical response codes, e.g. "SYSTEM_ERROR". */
  codes: string[];
  /** [] = any. */
  sources: Source[];
  /** 0..100, integer: the share of payments the rule applies to, to compare or try out a rule. */
  trafficPercent: number;
  /** Retries per payment, not counting the first attempt. */
  maxRetries: number;
  /** Max total wait from the first attempt's start to a retry's start. */
  maxWaitMs: number;
  enabled: boolean;
  /** RFC 3339 or null (open): in force from validFrom on, up to but excluding validTo. */
  validFrom: string | null;
  validTo: string | null;
}

import type { Source, TransactionType } from '../payment-status';

/** What the workflow knows about a payment whose attempt just FAILED (final at its channel). */
export interface RetryContext {
  paymentId: string;
  merchantId: string;
  industry: string;
  /** Channel account of the failed attempt. */
  channel: string;
  /** 'bank_card' | 'wallet' | 'stored_value' | …; only bank_card is ever retried. */
  methodType: string;
  brand: string | null;
  currency: string;
  transactionType: TransactionType;
  source: Source;
  /** The failed attempt's canonical code, e.g. 'SYSTEM_ERROR', 'BUYER_BALANCE_NOT_ENOUGH'. */
  code: string;
  riskRejected: boolean;
  operatorFailed: boolean;
  /** Automatic retries already made for this payment. */
  retriesSoFar: number;
  /** Since the first attempt started. */
  elapsedMs: number;
  /** RFC 3339, for validity periods; passed in so workflow code can use its deterministic clock. */
  now: string;
}

import type { TransactionType } from '../payment-status';
import { isNeverRetriedCode, isRiskCode } from './never-retried-codes';
import type { RetryContext } from './retry-context';

/**
 * Wallets and stored-value cards have a single channel, so there is nowhere to retry them; only
 * bank cards can go to a backup channel.
 */
export const RETRIED_METHOD_TYPE = 'bank_card';

/**
 * AUTH verifies details, and channels verify differently (some against stale copies): a second
 * opinion cannot be trusted more than the first. PAYOUT moves money out for good: a retry can pay
 * twice.
 */
export const NEVER_RETRIED_TRANSACTION_TYPES: readonly TransactionType[] = ['AUTH', 'PAYOUT'];

export type PrincipleRefusal =
  | 'NOT_BANK_CARD'
  | 'TRANSACTION_TYPE_NEVER_RETRIED'
  | 'RISK_REJECTED'
  | 'OPERATOR_FAILED'
  | 'CODE_NEVER_RETRIED';

/**
 * The first principle the payment breaks, or null. These come before any rule so that no rule,
 * however permissive, can retry them. Flags are compared with `!== false` so that a missing flag
 * (a bug upstream) refuses rather than retries.
 */
export function principleRefusal(ctx: RetryContext): PrincipleRefusal | null {
  if (ctx.methodType !== RETRIED_METHOD_TYPE) return 'NOT_BANK_CARD';
  if (NEVER_RETRIED_TRANSACTION_TYPES.includes(ctx.transactionType)) return 'TRANSACTION_TYPE_NEVER_RETRIED';
  // Risk first: safety outranks success rate, and the payment should go to more verification instead.
  if (ctx.riskRejected !== false || isRiskCode(ctx.code)) return 'RISK_REJECTED';
  // An operator set the payment failed on purpose; retrying would undo their decision.
  if (ctx.operatorFailed !== false) return 'OPERATOR_FAILED';
  if (isNeverRetriedCode(ctx.code)) return 'CODE_NEVER_RETRIED';
  return null;
}

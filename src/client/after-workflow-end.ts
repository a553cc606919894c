import { DomainError } from '../domain/domain-errors';
import { sameCreateRequest } from '../domain/create-request';
import type { CreatePaymentInput, PaymentView } from '../domain/payment';
import { closeRefusal, isTerminalPayment, payAgainRefusal } from '../domain/payment-state-machine';

/**
 * Answers for a payment whose workflow has ended (grace window over, or deleted by retention), read from
 * the record by the same state machine the workflow uses. Only a final payment can be without its workflow;
 * one that is not final has lost it (a bug or an operator's terminate), and no answer from the record would
 * be true, so that is an error the API turns into a 503 rather than a guess.
 */
function assertFinal(p: PaymentView): void {
  if (!isTerminalPayment(p.status)) {
    throw new Error(`payment ${p.id} is ${p.status} but its workflow is gone; an operator must look at it`);
  }
}

/** Pay again: SUCCEEDED → PAYMENT_ALREADY_SUCCEEDED; FAILED or CLOSED → PAYMENT_CLOSED. */
export function payAgainAfterEnd(p: PaymentView): never {
  assertFinal(p);
  throw new DomainError(payAgainRefusal(p.status) ?? 'PAYMENT_CLOSED', `payment is ${p.status}`);
}

/** Merchant close: CLOSED answers the payment as it is (a repeated close); SUCCEEDED → refund it instead. */
export function closeAfterEnd(p: PaymentView): PaymentView {
  assertFinal(p);
  const refusal = closeRefusal(p.status);
  if (refusal === 'PAYMENT_ALREADY_SUCCEEDED')
    throw new DomainError(refusal, 'the payment is paid: refund it instead');
  if (refusal) throw new DomainError(refusal, `payment is ${p.status}`);
  return p;
}

/** Operator cancel: a paid payment is refunded in full instead; a closed or failed one is answered as it is. */
export function cancelAfterEnd(p: PaymentView): PaymentView {
  assertFinal(p);
  if (p.status === 'SUCCEEDED')
    throw new DomainError('PAYMENT_ALREADY_SUCCEEDED', 'the payment is paid: refund it in full');
  return p;
}

/** A repeated create: the payment as it is when the request matches the first one, else IDEMPOTENCY_MISMATCH. */
export function replayOf(
  existing: PaymentView,
  input: CreatePaymentInput,
): { payment: PaymentView; created: false } {
  if (!sameCreateRequest(existing, input)) {
    throw new DomainError(
      'IDEMPOTENCY_MISMATCH',
      'this outTradeNo was already used with a different amount, currency or orderDeadline',
    );
  }
  return { payment: existing, created: false };
}

import type { PaymentView } from '../domain/payment';

/**
 * Read port for the payment record (PostgreSQL), which outlives the payment's workflow. The typed client
 * answers from it once the workflow has finished or the namespace's retention deleted it; the record's
 * refundedAmount is always the truth. src/db/payment-repository.ts's PaymentRepository satisfies it as is.
 */
export interface PaymentRecords {
  findByOutTradeNo(merchantId: string, outTradeNo: string): Promise<PaymentView | null>;
  findById(id: string, merchantId?: string): Promise<PaymentView | null>;
}

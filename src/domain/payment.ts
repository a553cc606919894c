import type { AttemptStatus, CloseReason, PaymentStatus, Source, TransactionType } from './payment-status';

/** How the buyer pays; `token` also selects the sandbox channel's behaviour. */
export interface PaymentMethod {
  type: string;
  brand?: string;
  token?: string;
}

export interface NextActionView {
  type: 'redirect' | 'qr_code';
  url: string;
}

export interface AttemptView {
  attemptNo: number;
  channel: string;
  channelOutTradeNo: string;
  channelTradeNo: string | null;
  status: AttemptStatus;
  code: string | null;
  message: string | null;
}

/** The payment object of the public contract (section 2); timestamps are RFC 3339 UTC strings. */
export interface PaymentView {
  id: string;
  merchantId: string;
  outTradeNo: string;
  amount: number;
  currency: string;
  subject: string;
  status: PaymentStatus;
  closeReason: CloseReason | null;
  orderDeadline: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  paidAt: string | null;
  closedAt: string | null;
  refundedAmount: number;
  attempts: AttemptView[];
  nextAction: NextActionView | null;
  metadata: Record<string, unknown>;
}

/** A validated create request, as the workflow receives it. */
export interface CreatePaymentInput {
  merchantId: string;
  outTradeNo: string;
  amount: number;
  currency: string;
  subject: string;
  orderDeadline: string;
  orderCreatedAt?: string;
  method?: PaymentMethod;
  channel?: string;
  transactionType: TransactionType;
  source: Source;
  notifyUrl?: string;
  metadata: Record<string, unknown>;
}

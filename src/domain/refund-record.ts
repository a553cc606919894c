import type { RefundKind, RefundView } from './refund';

/** A refund as its workflow and callers see it: the public view plus what the channel call needs. */
export interface RefundRecord {
  view: RefundView;
  kind: RefundKind;
  merchantId: string;
  /** The payment's order number (search attribute OutTradeNo of the refund workflow). */
  paymentOutTradeNo: string;
  attemptNo: number;
  message: string | null;
  channel: string;
  channelOutTradeNo: string;
  outRequestNo: string;
  workflowId: string;
  updatedAt: string;
}

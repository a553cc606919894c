import type { NextAction } from '../channels/channel-port';

/**
 * Channel answers as activities return them: plain JSON (dates as RFC 3339 strings), because they cross
 * Temporal's payload converter into workflow code.
 */
export type PayOutcome =
  | { outcome: 'PENDING'; channelTradeNo: string | null; nextAction: NextAction | null }
  | { outcome: 'PAID'; channelTradeNo: string; paidAt: string | null }
  | { outcome: 'DECLINED'; code: string; message: string; retryable: boolean }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export type QueryOutcome =
  | { status: 'WAIT_BUYER_PAY'; channelTradeNo: string | null }
  | { status: 'PAID'; channelTradeNo: string; amount: number; paidAt: string | null }
  | { status: 'CLOSED'; channelTradeNo: string | null }
  | { status: 'NOT_FOUND' }
  | { status: 'UNKNOWN'; code: string; message: string };

export type CloseOutcome =
  | { outcome: 'CLOSED' }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'ALREADY_PAID'; channelTradeNo: string; paidAt: string | null }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export type CancelOutcome =
  | { outcome: 'REVERSED'; action: 'CLOSED' | 'REFUNDED' | 'NONE' }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export interface ChannelPayInput {
  channel: string;
  outTradeNo: string;
  amount: number;
  currency: string;
  subject: string;
  expiresAt: string;
  method?: { type: string; brand?: string; token?: string };
}

export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

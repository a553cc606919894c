/**
 * The one interface every payment channel adapter implements (Alipay-style sandbox, a real Alipay or
 * WeChat Pay account). Workflows never see it: activities call it through a registry of channel accounts.
 *
 * Money crosses this port as integer minor units plus currency; adapters convert to the channel's own
 * format (e.g. yuan strings with two decimals) with integer arithmetic only.
 * Every call carries our own idempotency key (outTradeNo / outRequestNo), so a retried call is re-entrant.
 * Adapters never throw for a business answer: a timeout, a transport error or a channel "system error"
 * is reported as an UNKNOWN outcome, because the trade may or may not exist at the channel. The one
 * exception: a pay (or refund) the channel answered with a retryable system error, after which the
 * adapter asked the channel and it has no such trade (or refund), is a retryable DECLINED (FAILED):
 * the channel definitively refused, and nothing exists that could still succeed.
 */

export interface PayRequest {
  /** Our trade number for this attempt (`<paymentId>-<attemptNo>`): the channel's idempotency key. */
  outTradeNo: string;
  amount: number;
  currency: string;
  subject: string;
  /** Absolute expiry (the order deadline): the channel must close the trade at this moment. */
  expiresAt: Date;
  /** Payment method; `token` selects the sandbox behaviour (contract section 4). */
  method?: { type: string; brand?: string; token?: string };
}

export type NextAction = { type: 'redirect' | 'qr_code'; url: string };

export type PayResult =
  /** The channel accepted the trade; the buyer has still to pay (notify or query will tell). */
  | { outcome: 'PENDING'; channelTradeNo: string | null; nextAction: NextAction | null }
  /** Paid synchronously. */
  | { outcome: 'PAID'; channelTradeNo: string; paidAt: Date | null }
  /** Refused. `retryable` means the same request may succeed later or at another channel. */
  | { outcome: 'DECLINED'; code: string; message: string; retryable: boolean }
  /** Timeout, transport error, system error: the trade may exist. Resolve by query, never by guessing. */
  | { outcome: 'UNKNOWN'; code: string; message: string };

export type QueryResult =
  | { status: 'WAIT_BUYER_PAY'; channelTradeNo: string | null }
  | { status: 'PAID'; channelTradeNo: string; amount: number; paidAt: Date | null }
  | { status: 'CLOSED'; channelTradeNo: string | null }
  | { status: 'NOT_FOUND' }
  | { status: 'UNKNOWN'; code: string; message: string };

export type CloseResult =
  | { outcome: 'CLOSED' }
  /** The channel has no such trade (never created, e.g. a pay call that never arrived): nothing to close. */
  | { outcome: 'NOT_FOUND' }
  /** The buyer paid before the close: the payment succeeded inside its window. */
  | { outcome: 'ALREADY_PAID'; channelTradeNo: string; paidAt: Date | null }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export type CancelResult =
  /** Reversed: `action` says whether the channel closed an unpaid trade or refunded a paid one. */
  | { outcome: 'REVERSED'; action: 'CLOSED' | 'REFUNDED' | 'NONE' }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export interface RefundRequest {
  outTradeNo: string;
  /** Our refund request number: always the same one for one refund, so a retry never pays out twice. */
  outRequestNo: string;
  amount: number;
  currency: string;
  reason?: string;
}

export type RefundResult =
  | { outcome: 'SUCCEEDED'; refundedAt: Date | null }
  | { outcome: 'PROCESSING' }
  | { outcome: 'FAILED'; code: string; message: string; retryable: boolean }
  | { outcome: 'UNKNOWN'; code: string; message: string };

export type RefundQueryResult =
  | { status: 'SUCCEEDED'; amount: number; refundedAt: Date | null }
  | { status: 'PROCESSING' }
  | { status: 'NOT_FOUND' }
  | { status: 'UNKNOWN'; code: string; message: string };

/**
 * One row of a channel's daily bill (the channel's own calendar day): a payment, or a refund of one.
 * Amounts are positive minor units for both kinds; `kind` says which way the money went.
 */
export interface BillRow {
  kind: 'PAYMENT' | 'REFUND';
  channelTradeNo: string;
  /** Our trade number (`<paymentId>-<attemptNo>`), or whatever number an orphan trade carries. */
  outTradeNo: string;
  /**
   * A refund's request number at the channel (our `outRequestNo` of that refund, not the merchant's
   * outRefundNo); null on a payment row, and on a refund the channel made without one (a cancel).
   */
  outRefundNo: string | null;
  /** The payment's amount, or the amount this refund returned: always > 0. */
  amount: number;
  currency: string;
  /** When the trade was created (refund rows repeat their trade's). */
  createdAt: Date;
  /** When the money moved: paid, or refunded. */
  finishedAt: Date;
}

/**
 * A day's bill as CSV text for a bulk load (PostgreSQL's own CSV parser reads the rows): the header row's
 * column names, the data rows as they are, and which columns make a BillRow. `billRows` reads the same
 * bill row by row and stays the reference reader; both must give the same rows.
 */
export interface BillCsv {
  /** The column names of the header row, trimmed, in file order (the data rows' fields follow them). */
  header: string[];
  /** Header names of the fields a BillRow is made of, and what the type column says. */
  layout: BillCsvLayout;
  /** The data rows as CSV bytes (in `encoding`, whole records per chunk, no header or comment lines). */
  data: AsyncIterable<{ bytes: Buffer; rows: number }>;
  /** The bytes' encoding, as PostgreSQL names it (COPY's ENCODING option): 'UTF8', 'GBK'. */
  encoding: string;
  /** The totals the bill states for itself; known once `data` has ended (null when it states none). */
  totals(): BillTotals | null;
}

export interface BillCsvLayout {
  channelTradeNo: string;
  outTradeNo: string;
  /** The type column, and its value for each kind of row. */
  kind: string;
  kinds: Record<string, BillRow['kind']>;
  createdAt: string;
  finishedAt: string;
  /** A payment's amount: this column, a decimal in major units. */
  paymentAmount: string;
  /** A refund's amount: this column's decimal with its minus sign dropped. */
  refundAmount: string;
  /** The money the merchant received (negative on refunds), which the totals sum. */
  received: string;
  outRefundNo: string;
  currency: string;
  /** Times are `yyyy-MM-dd HH:mm:ss` wall clock at this UTC offset, e.g. `+08`. */
  utcOffset: string;
}

/** A bill's own count and sum (minor units, of the `received` column) per kind of row. */
export type BillTotals = Record<BillRow['kind'], { rows: number; received: number }>;

/** A channel notification after verification: what the notify endpoint records and signals. */
export type NotifyVerification =
  | {
      ok: true;
      notifyId: string;
      outTradeNo: string;
      channelTradeNo: string;
      tradeStatus: 'WAIT_BUYER_PAY' | 'PAID' | 'CLOSED' | 'FINISHED';
      amount: number;
      paidAt: Date | null;
    }
  | { ok: false; notifyId: string | null; outTradeNo: string | null; reason: string };

/** A notification exactly as it arrived, for channels that sign headers and body (WeChat Pay). */
export interface RawNotify {
  /** Header names in lower case, as Node gives them. */
  headers: Record<string, string | undefined>;
  rawBody: string;
}

export interface ChannelPort {
  /** The channel account name, e.g. `sandbox`, `sandbox_backup`. */
  readonly name: string;
  pay(req: PayRequest): Promise<PayResult>;
  query(outTradeNo: string): Promise<QueryResult>;
  close(outTradeNo: string): Promise<CloseResult>;
  cancel(outTradeNo: string): Promise<CancelResult>;
  refund(req: RefundRequest): Promise<RefundResult>;
  refundQuery(outTradeNo: string, outRequestNo: string): Promise<RefundQueryResult>;
  /**
   * The day's bill (`yyyy-MM-dd`, the channel's calendar day), streamed row by row: a bill may hold
   * millions. Iterating throws when the channel has no bill for that day or the file is malformed.
   */
  billRows(billDate: string): AsyncIterable<BillRow>;
  /**
   * The same bill as CSV text for a bulk load (optional: reconciliation falls back to `billRows`).
   * Rejects when the channel has no bill for that day; iterating `data` throws when the file is malformed.
   */
  billCsv?(billDate: string): Promise<BillCsv>;
  /** Parses and verifies a notification in the channel's own format (form fields for Alipay style). */
  verifyNotify(fields: Record<string, string>): NotifyVerification;
  /**
   * Channels whose notifies are signed over headers and the raw body (WeChat Pay) implement this instead;
   * their notify route (src/api/wechat-notify-routes.ts) calls it.
   */
  verifyRawNotify?(notify: RawNotify): NotifyVerification;
}

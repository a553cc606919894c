import type { BillCsvLayout } from '../../channels/channel-port';
import { CURRENCY_EXPONENTS, MAX_AMOUNT } from '../../domain/money';

/**
 * The SQL that turns the raw bill table (one text column per header column, `c1`…`cN`, as COPY read
 * them) into the run's staging rows: the fields a BillRow is made of, picked by header name, trimmed of
 * the tabs Alipay pads ids with, amounts exactly in minor units and times in the bill's UTC offset.
 * A row the row reader (alipay-bill-rows.ts) refuses comes out NULL in a NOT-NULL field, or fails a
 * cast: the fast variant checks what is cheap, the `safe` one (run only to name the bad row) checks
 * exactly the row reader's rules with no cast that can fail.
 */

/** Whitespace JavaScript's trim() removes that a CSV field may carry (Alipay's tab, spaces, CR/LF). */
const WS = `E' \\t\\r\\n'`;

export const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The raw column holding the header's `name`; throws when the bill lacks it, as the row reader does. */
function column(header: string[], name: string): string {
  const i = header.indexOf(name);
  if (i === -1) throw new Error(`bill lacks column ${name}`);
  return `c${i + 1}`;
}

/**
 * A decimal in major units to minor units. `strict`: exactly the row reader's rule (digits, then at most
 * `exponent` after a point), NULL otherwise, no cast that can fail. Else what is cheap on a million rows:
 * a text starting and ending with a digit, with at most `exponent` digits after a point, is cast
 * (garbage fails the statement, and the strict variant then names the row); `1e3` passes there.
 */
function minorUnits(x: string, exponent: number, strict: boolean): string {
  if (!strict) {
    const fraction = `(strpos(${x}, '.') = 0 OR length(${x}) - strpos(${x}, '.') <= ${exponent})`;
    return `CASE WHEN left(${x}, 1) BETWEEN '0' AND '9' AND right(${x}, 1) BETWEEN '0' AND '9' AND ${fraction}
      THEN (${x}::numeric * ${10 ** exponent})::bigint END`;
  }
  const decimals = exponent === 0 ? '' : `(\\.[0-9]{1,${exponent}})?`;
  return `CASE WHEN length(${x}) <= 18 AND ${x} ~ '^[0-9]+${decimals}$'
    THEN (${x}::numeric * ${10 ** exponent})::bigint END`;
}

/**
 * `yyyy-MM-dd HH:mm:ss`. `strict`: exactly that, a real date and time, no cast that can fail. Else its
 * length (a text of 19 characters PostgreSQL cannot read as a time fails the statement).
 */
function wallClockOk(x: string, strict: boolean): string {
  if (!strict) return `length(${x}) = 19`;
  return `(${x} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-[0-3][0-9] ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$'
    AND pg_input_is_valid(left(${x}, 10), 'date'))`;
}

/**
 * The staging rows of the raw table `raw` (kind, channel_trade_no, out_trade_no, out_refund_no, amount,
 * currency, finished_at, received), NULL in a NOT-NULL field for a row the row reader refuses. With
 * `safe`, also `n` (the data row's number, 1-based, in file order) and `line` (its fields), and no cast
 * that can fail.
 */
export function stagingSelect(raw: string, header: string[], layout: BillCsvLayout, safe: boolean): string {
  const c = (name: string) => column(header, name);
  const exponent = CURRENCY_EXPONENTS[layout.currency];
  if (exponent === undefined) throw new Error(`bill currency ${layout.currency} is not supported`);
  const kinds = Object.entries(layout.kinds).map(([text, kind]) => `WHEN ${lit(text)} THEN ${lit(kind)}`);
  const isRefund = `kind_text IN (${Object.entries(layout.kinds)
    .filter(([, kind]) => kind === 'REFUND')
    .map(([text]) => lit(text))
    .join(', ')})`;
  const at = (x: string) =>
    `CASE WHEN ${wallClockOk(x, safe)} THEN (${x} || ${lit(layout.utcOffset)})::timestamptz END`;
  const unsigned = (x: string) => `CASE WHEN left(${x}, 1) = '-' THEN substr(${x}, 2) ELSE ${x} END`;
  const extra = safe
    ? `, row_number() OVER (ORDER BY ctid) AS n, concat_ws(',', ${header.map((_, i) => `c${i + 1}`).join(', ')}) AS line`
    : '';
  return `
SELECT kind, channel_trade_no, out_trade_no, out_refund_no,
       CASE WHEN amount BETWEEN 1 AND ${MAX_AMOUNT} THEN amount END AS amount, ${lit(layout.currency)}::text AS currency,
       CASE WHEN created_ok THEN finished_at END AS finished_at, received${safe ? ', n, line' : ''}
FROM (
  SELECT CASE t.kind_text ${kinds.join(' ')} END AS kind,
         NULLIF(t.channel_trade_no, '') AS channel_trade_no, NULLIF(t.out_trade_no, '') AS out_trade_no,
         CASE WHEN t.${isRefund} THEN NULLIF(t.out_refund_no, '') END AS out_refund_no,
         ${minorUnits('t.amount', exponent, safe)} AS amount,
         CASE WHEN t.received_sign = '-' THEN -${minorUnits('t.received', exponent, safe)}
              ELSE ${minorUnits('t.received', exponent, safe)} END AS received,
         ${at('t.finished_at')} AS finished_at,
         ${wallClockOk('t.created_at', safe)} AS created_ok${safe ? ', n, line' : ''}
  FROM (
    SELECT kind_text, channel_trade_no, out_trade_no, out_refund_no, finished_at, created_at,
           CASE WHEN ${isRefund} THEN ${unsigned('refund_amount')} ELSE payment_amount END AS amount,
           left(received, 1) AS received_sign, ${unsigned('received')} AS received${safe ? ', n, line' : ''}
    FROM (
    SELECT btrim(${c(layout.kind)}, ${WS}) AS kind_text, btrim(${c(layout.channelTradeNo)}, ${WS}) AS channel_trade_no,
           btrim(${c(layout.outTradeNo)}, ${WS}) AS out_trade_no, btrim(${c(layout.outRefundNo)}, ${WS}) AS out_refund_no,
           btrim(${c(layout.paymentAmount)}, ${WS}) AS payment_amount, btrim(${c(layout.refundAmount)}, ${WS}) AS refund_amount,
           btrim(${c(layout.received)}, ${WS}) AS received, btrim(${c(layout.finishedAt)}, ${WS}) AS finished_at,
           btrim(${c(layout.createdAt)}, ${WS}) AS created_at${extra}
    FROM ${raw} OFFSET 0
    ) r OFFSET 0
  ) t OFFSET 0
) u`;
}

/** A staging row the row reader would have refused. */
export const BAD_ROW =
  'kind IS NULL OR channel_trade_no IS NULL OR out_trade_no IS NULL OR amount IS NULL OR finished_at IS NULL';

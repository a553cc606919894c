import type { BillCsvLayout } from '../../channels/channel-port';
import { CURRENCY_EXPONENTS, MAX_AMOUNT } from '../../domain/money';

/**
 * The SQL that turns the raw bill table (one text column per header column, `c1`…`cN`, as COPY read
 * them) into the run's staging rows: the fields a BillRow is made of, picked by header name, trimmed of
 * the tabs Alipay pads ids with, amounts exactly in minor units (numeric, never float), times at the
 * bill's UTC offset. A row the row reader (alipay-bill-rows.ts) refuses comes out NULL in a NOT-NULL
 * field (BAD_ROW), or fails a cast: the fast variant checks what is cheap on a million rows, the strict
 * one (run only to name the bad row) checks exactly the row reader's rules and has no cast that can fail.
 * What only the strict one refuses: amounts as `1e3`, `+5`, `.5`; times of 19 characters in another
 * format PostgreSQL reads (`2024/02/01 10:00:00`); an impossible 创建时间 (the 完成时间 is cast).
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

interface Parts {
  exponent: number;
  kinds: string;
  isRefund: string;
  trimmed: string;
  /** The same fields for the fast variant: trimmed only where a cast does not skip the whitespace itself. */
  fast: string;
}

function parts(header: string[], layout: BillCsvLayout): Parts {
  const exponent = CURRENCY_EXPONENTS[layout.currency];
  if (exponent === undefined) throw new Error(`bill currency ${layout.currency} is not supported`);
  const c = (name: string) => column(header, name);
  const refunds = Object.entries(layout.kinds).filter(([, kind]) => kind === 'REFUND');
  const fields = {
    kind_text: layout.kind,
    channel_trade_no: layout.channelTradeNo,
    out_trade_no: layout.outTradeNo,
    out_refund_no: layout.outRefundNo,
    payment_amount: layout.paymentAmount,
    refund_amount: layout.refundAmount,
    received: layout.received,
    finished_at: layout.finishedAt,
    created_at: layout.createdAt,
  };
  return {
    exponent,
    kinds: Object.entries(layout.kinds)
      .map(([text, kind]) => `WHEN ${lit(text)} THEN ${lit(kind)}`)
      .join(' '),
    isRefund: `kind_text IN (${refunds.map(([text]) => lit(text)).join(', ') || 'NULL'})`,
    trimmed: Object.entries(fields)
      .map(([as, name]) => `btrim(${c(name)}, ${WS}) AS ${as}`)
      .join(', '),
    // Trimming was half the staging SQL's time. numeric's input skips whitespace on both sides (so an
    // amount is cast as it is); a type or a time is trimmed only when it is not already one as it is.
    fast: [
      `CASE WHEN ${c(layout.kind)} IN (${Object.keys(layout.kinds).map(lit).join(', ')}) THEN ${c(layout.kind)} ELSE btrim(${c(layout.kind)}, ${WS}) END AS kind_text`,
      ...(['channel_trade_no', 'out_trade_no', 'out_refund_no'] as const).map(
        (as) => `btrim(${c(fields[as])}, ${WS}) AS ${as}`,
      ),
      ...(['payment_amount', 'refund_amount', 'received', 'finished_at', 'created_at'] as const).map(
        (as) => `${c(fields[as])} AS ${as}`,
      ),
    ].join(', '),
  };
}

/** The staging table's columns, from a row of decimals (`*_num`), times and checks. */
function stagingColumns(p: Parts, currency: string): string {
  const minor = (x: string) =>
    `CASE WHEN scale(${x}) <= ${p.exponent} THEN (${x} * ${10 ** p.exponent})::bigint END`;
  return `CASE kind_text ${p.kinds} END AS kind,
    NULLIF(channel_trade_no, '') AS channel_trade_no, NULLIF(out_trade_no, '') AS out_trade_no,
    CASE WHEN ${p.isRefund} THEN NULLIF(out_refund_no, '') END AS out_refund_no,
    CASE WHEN amount_num > 0 AND amount_num <= ${MAX_AMOUNT / 10 ** p.exponent} THEN ${minor('amount_num')} END AS amount,
    ${lit(currency)}::text AS currency, CASE WHEN created_ok THEN finished END AS finished_at,
    ${minor('received_num')} AS received`;
}

/**
 * The staging rows of `raw` (kind, channel_trade_no, out_trade_no, out_refund_no, amount, currency,
 * finished_at, received) of those raw rows `where` says. The OFFSET 0 keeps each layer's values computed once per row (a flattened
 * query would repeat the casts in every expression that uses them).
 */
export function stagingSelect(raw: string, header: string[], layout: BillCsvLayout, where = 'true'): string {
  const p = parts(header, layout);
  const offset = lit(layout.utcOffset);
  return `
SELECT ${stagingColumns(p, layout.currency)}
FROM (
  SELECT kind_text, channel_trade_no, out_trade_no, out_refund_no,
         CASE WHEN ${p.isRefund} THEN abs(NULLIF(refund_amount, '')::numeric)
              ELSE NULLIF(payment_amount, '')::numeric END AS amount_num,
         NULLIF(received, '')::numeric AS received_num,
         CASE WHEN octet_length(finished_at) = 19 THEN (finished_at || ${offset})::timestamptz
              WHEN octet_length(btrim(finished_at, ${WS})) = 19 THEN (btrim(finished_at, ${WS}) || ${offset})::timestamptz
         END AS finished,
         (octet_length(created_at) = 19 OR octet_length(btrim(created_at, ${WS})) = 19) AS created_ok
  FROM (SELECT ${p.fast} FROM ${raw} WHERE ${where} OFFSET 0) r OFFSET 0
) t`;
}

/** A plain decimal with at most `exponent` decimals, as the row reader's parseDecimalString reads one. */
const decimalOk = (x: string, exponent: number) =>
  `(length(${x}) <= 18 AND ${x} ~ '^[0-9]+${exponent === 0 ? '' : `(\\.[0-9]{1,${exponent}})?`}$')`;

/** `yyyy-MM-dd HH:mm:ss`, a real date and time, as parseBeijingTime reads one. */
const wallClockOk = (x: string) =>
  `(${x} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-[0-3][0-9] ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$'
    AND pg_input_is_valid(left(${x}, 10), 'date'))`;

/**
 * The same rows (`rows`: a query of the raw columns and `n`, the record's number in the bill, 1-based)
 * checked exactly as the row reader checks them, with no cast that can fail, with their fields (`line`),
 * to name the first bad row.
 */
export function strictSelect(rows: string, header: string[], layout: BillCsvLayout): string {
  const p = parts(header, layout);
  const num = (x: string) => `CASE WHEN ${decimalOk(x, p.exponent)} THEN ${x}::numeric END`;
  const unsigned = (x: string) => `CASE WHEN left(${x}, 1) = '-' THEN substr(${x}, 2) ELSE ${x} END`;
  const line = header.map((_, i) => `c${i + 1}`).join(', ');
  return `
SELECT ${stagingColumns(p, layout.currency)}, n, line
FROM (
  SELECT kind_text, channel_trade_no, out_trade_no, out_refund_no, n, line,
         CASE WHEN ${p.isRefund} THEN ${num(unsigned('refund_amount'))} ELSE ${num('payment_amount')} END AS amount_num,
         CASE WHEN left(received, 1) = '-' THEN -${num('substr(received, 2)')} ELSE ${num('received')} END AS received_num,
         CASE WHEN ${wallClockOk('finished_at')} THEN (finished_at || ${lit(layout.utcOffset)})::timestamptz END AS finished,
         ${wallClockOk('created_at')} AS created_ok
  FROM (SELECT ${p.trimmed}, n, concat_ws(',', ${line}) AS line FROM (${rows}) f) r
) t`;
}

/** A staging row the row reader would have refused. */
export const BAD_ROW =
  'kind IS NULL OR channel_trade_no IS NULL OR out_trade_no IS NULL OR amount IS NULL OR finished_at IS NULL';

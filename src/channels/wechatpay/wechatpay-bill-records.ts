import { parseBeijingTime } from '../beijing-time';
import { parseDecimalString } from '../../domain/money';
import type { BillRow } from '../channel-port';

const SUMMARY_FIRST_COLUMN = '总交易单数';

/**
 * 交易状态 of a detail row: SUCCESS is a payment, REFUND a refund (its 退款状态 says whether money went
 * back), REVOKED a trade reversed before the merchant kept anything. Any other is refused: a bill we
 * cannot read must fail the run, not hide money.
 */
const TRADE_STATES = { SUCCESS: 'PAYMENT', REFUND: 'REFUND', REVOKED: 'SKIP' } as const;
/**
 * 退款状态 of a refund row: only SUCCESS returned money. PROCESSING may succeed later (a later bill shows
 * it); REFUNDCLOSE/CLOSED returned nothing; CHANGE/ABNORMAL is stuck until an operator acts at WeChat.
 */
const REFUND_STATES = {
  SUCCESS: 'REFUND',
  PROCESSING: 'SKIP',
  REFUNDCLOSE: 'SKIP',
  CLOSED: 'SKIP',
  CHANGE: 'SKIP',
  ABNORMAL: 'SKIP',
} as const;

const kindOf = (states: Record<string, string>, value: string): string | undefined =>
  Object.hasOwn(states, value) ? states[value] : undefined;

/** Where the columns we read are in the detail header. */
type Columns = Record<
  | 'time'
  | 'tradeNo'
  | 'outTradeNo'
  | 'state'
  | 'refundState'
  | 'currency'
  | 'settled'
  | 'outRefundNo'
  | 'refunded',
  number
>;

/**
 * Reads a bill's CSV records one at a time, as the parser hands them over (a bill may hold millions): the
 * detail header, the detail rows, the summary header and its row. `take` answers a detail row's BillRow
 * (money that moved) or null; `end` checks that the summary came and counts the detail rows. Each value's
 * leading backtick is stripped here.
 */
export class WechatBillRecords {
  private header: string[] | null = null;
  private at: Columns | null = null;
  private detailRows = 0;
  private inSummary = false;
  private summary: string[] | null = null;

  take(raw: string[]): BillRow | null {
    const record = raw.map((cell) => cell.replace(/^`/, ''));
    if (!this.header || !this.at) {
      this.header = record;
      this.at = columnsOf(record);
      return null;
    }
    if (this.inSummary) {
      this.summary ??= record;
      return null;
    }
    if (record[0] === SUMMARY_FIRST_COLUMN) {
      this.inSummary = true;
      return null;
    }
    this.detailRows += 1;
    return rowOf(record, this.header.length, this.at, this.detailRows);
  }

  end(): void {
    if (!this.header || !this.inSummary) throw new Error('WeChat bill: no detail header or no summary');
    if (!this.summary || Number(this.summary[0]) !== this.detailRows)
      throw new Error('WeChat bill: summary count differs from rows');
  }
}

function columnsOf(header: string[]): Columns {
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`WeChat bill: no column ${name}`);
    return index;
  };
  return {
    time: column('交易时间'),
    tradeNo: column('微信订单号'),
    outTradeNo: column('商户订单号'),
    state: column('交易状态'),
    refundState: column('退款状态'),
    currency: column('货币种类'),
    settled: column('应结订单金额'),
    outRefundNo: column('商户退款单号'),
    refunded: column('退款金额'),
  };
}

/** A detail row (the `n`th): its BillRow, or null for a row that moved no money. */
function rowOf(record: string[], width: number, at: Columns, n: number): BillRow | null {
  if (record.length !== width) throw new Error(`WeChat bill row ${n}: ${record.length} columns`);
  const cell = (i: number): string => record[i] ?? '';
  let kind = kindOf(TRADE_STATES, cell(at.state));
  if (kind === 'REFUND') kind = kindOf(REFUND_STATES, cell(at.refundState));
  if (kind === undefined)
    throw new Error(`WeChat bill row ${n}: state ${cell(at.state)}/${cell(at.refundState)}`);
  if (kind === 'SKIP') return null;
  const when = parseBeijingTime(cell(at.time));
  const currency = cell(at.currency) || 'CNY';
  const refund = kind === 'REFUND';
  const amount = parseDecimalString(cell(refund ? at.refunded : at.settled), currency);
  if (!when || amount === null || amount <= 0) throw new Error(`WeChat bill row ${n}: bad time or amount`);
  return {
    kind: refund ? 'REFUND' : 'PAYMENT',
    channelTradeNo: cell(at.tradeNo),
    outTradeNo: cell(at.outTradeNo),
    outRefundNo: refund ? cell(at.outRefundNo) || null : null,
    amount,
    currency,
    createdAt: when,
    finishedAt: when,
  };
}

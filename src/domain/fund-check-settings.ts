import { isValidAmount } from './money';
import { notificationScheduleTotalMs, parseScheduleScale } from './notification-schedule';

/** The thresholds the timeliness and limits checks use (configuration, read once from the environment). */
export interface FundCheckSettings {
  /** A payment still open this long after its deadline is a finding (FUND_CHECK_PAYMENT_GRACE_MINUTES, 10). */
  paymentGraceMs: number;
  /** A refund PROCESSING this long, or late money not refunded this long (FUND_CHECK_REFUND_LIMIT_MINUTES, 60). */
  refundLimitMs: number;
  /** How long a merchant notification may stay PENDING: the whole retry schedule (at its scale) + a margin. */
  notificationLimitMs: number;
  /** Per-merchant ceiling of one Beijing day's refunds, minor units (FUND_CHECK_REFUND_CEILINGS, JSON). */
  refundCeilings: Readonly<Record<string, number>>;
}

const MINUTE = 60_000;

export const DEFAULT_FUND_CHECK_SETTINGS: FundCheckSettings = Object.freeze({
  paymentGraceMs: 10 * MINUTE,
  refundLimitMs: 60 * MINUTE,
  notificationLimitMs: notificationScheduleTotalMs(1) + 30 * MINUTE,
  refundCeilings: Object.freeze({}),
});

function minutes(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < 0)
    throw new RangeError(`${name} must be a number of minutes >= 0, got ${raw}`);
  return Math.round(n * MINUTE);
}

/** `{"m_demo": 500000}`: merchant id to a ceiling in minor units; anything else is refused, loudly. */
export function parseRefundCeilings(raw: string | undefined): Record<string, number> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RangeError(`FUND_CHECK_REFUND_CEILINGS must be JSON like {"m_demo": 500000}, got ${raw}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RangeError('FUND_CHECK_REFUND_CEILINGS must be a JSON object of merchant id to minor units');
  }
  const out: Record<string, number> = {};
  for (const [merchant, ceiling] of Object.entries(parsed)) {
    if (merchant.trim() === '' || typeof ceiling !== 'number' || !isValidAmount(ceiling)) {
      throw new RangeError(
        `FUND_CHECK_REFUND_CEILINGS: ${JSON.stringify(merchant)} needs an integer amount in minor units`,
      );
    }
    out[merchant] = ceiling;
  }
  return out;
}

/** Reads the settings from an environment; unset values take the defaults above. */
export function parseFundCheckSettings(env: Record<string, string | undefined>): FundCheckSettings {
  const d = DEFAULT_FUND_CHECK_SETTINGS;
  const scale = parseScheduleScale(env.MERCHANT_NOTIFY_SCHEDULE_SCALE);
  return {
    paymentGraceMs: minutes(env, 'FUND_CHECK_PAYMENT_GRACE_MINUTES', d.paymentGraceMs),
    refundLimitMs: minutes(env, 'FUND_CHECK_REFUND_LIMIT_MINUTES', d.refundLimitMs),
    notificationLimitMs:
      notificationScheduleTotalMs(scale) + minutes(env, 'FUND_CHECK_NOTIFY_MARGIN_MINUTES', 30 * MINUTE),
    refundCeilings: parseRefundCeilings(env.FUND_CHECK_REFUND_CEILINGS),
  };
}

/** Operator reasons: 3-500 characters, printable (tab and newline aside), like every ops body. */
export function isPrintableText(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(s);
}

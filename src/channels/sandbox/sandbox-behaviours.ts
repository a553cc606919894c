/**
 * What the simulated buyer and channel do, chosen by the buyer token (contract section 4). The token
 * arrives as `auth_code` of alipay.trade.pay; alipay.trade.precreate has none and behaves as sim_success.
 */

export const SANDBOX_TOKENS = [
  'sim_success',
  'sim_success_no_notify',
  'sim_success_duplicate_notify',
  'sim_never_pay',
  'sim_decline_insufficient_funds',
  'sim_decline_system_error',
  'sim_decline_system_error_once',
  'sim_timeout_then_success',
  'sim_pay_at_deadline',
  'sim_refund_fail_once',
  'sim_pay_after_close',
] as const;
export type SandboxToken = (typeof SANDBOX_TOKENS)[number];

export interface SandboxBehaviour {
  /** Refuse the pay call before creating a trade: `always`, or only the first time per payment. */
  decline: { subCode: 'BUYER_BALANCE_NOT_ENOUGH' | 'SYSTEM_ERROR'; when: 'always' | 'first' } | null;
  /**
   * When the buyer pays: after the configured delay, never, at the very instant of time_expire, or
   * (a delayed debit) a moment after the trade was closed, by a close call or by time_expire.
   */
  buyerPays: 'after_delay' | 'never' | 'at_deadline' | 'after_close';
  /** Signed notifies per status change: one, none, or the success several times then a stale wait. */
  notifies: 'once' | 'none' | 'duplicates';
  /** The pay call answers only after the slow-answer delay (longer than the client's timeout). */
  answersLate: boolean;
  /** The trade's first refund call fails with ACQ.SYSTEM_ERROR. */
  failsFirstRefund: boolean;
}

const PAYS: SandboxBehaviour = {
  decline: null,
  buyerPays: 'after_delay',
  notifies: 'once',
  answersLate: false,
  failsFirstRefund: false,
};

const BEHAVIOURS: Record<SandboxToken, SandboxBehaviour> = {
  sim_success: PAYS,
  sim_success_no_notify: { ...PAYS, notifies: 'none' },
  sim_success_duplicate_notify: { ...PAYS, notifies: 'duplicates' },
  sim_never_pay: { ...PAYS, buyerPays: 'never' },
  sim_decline_insufficient_funds: {
    ...PAYS,
    decline: { subCode: 'BUYER_BALANCE_NOT_ENOUGH', when: 'always' },
  },
  sim_decline_system_error: { ...PAYS, decline: { subCode: 'SYSTEM_ERROR', when: 'always' } },
  sim_decline_system_error_once: { ...PAYS, decline: { subCode: 'SYSTEM_ERROR', when: 'first' } },
  sim_timeout_then_success: { ...PAYS, answersLate: true },
  sim_pay_at_deadline: { ...PAYS, buyerPays: 'at_deadline' },
  sim_refund_fail_once: { ...PAYS, failsFirstRefund: true },
  sim_pay_after_close: { ...PAYS, buyerPays: 'after_close' },
};

/** Unknown tokens (e.g. a real-looking bar code) behave as sim_success, like no token at all. */
export function sandboxTokenOf(authCode: string | undefined): SandboxToken {
  return SANDBOX_TOKENS.find((token) => token === authCode) ?? 'sim_success';
}

export function behaviourOf(token: SandboxToken): SandboxBehaviour {
  return BEHAVIOURS[token];
}

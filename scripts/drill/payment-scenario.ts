import { SANDBOX_TOKENS } from '../../src/channels/sandbox/sandbox-behaviours';
import { pick } from './prng';

/** What the drill does with one payment, drawn from the seeded generator. */
export interface PaymentScenario {
  outTradeNo: string;
  token: (typeof SANDBOX_TOKENS)[number];
  methodType: 'wallet' | 'bank_card';
  channel: 'sandbox' | 'sandbox_backup' | undefined;
  amount: number;
  /** Three identical creates at once: they must make one payment. */
  duplicateCreates: boolean;
  /** The merchant closes it a moment after creating it (whatever it has become by then). */
  merchantClose: boolean;
  /** Once SUCCEEDED: none, a partial, a full, two racing refunds of 60 % each, or one over the amount. */
  refund: 'none' | 'partial' | 'full' | 'racing' | 'over';
}

/** Tokens whose payments stay unpaid a while: a merchant may close them. */
const CLOSABLE = new Set(['sim_never_pay', 'sim_pay_after_close', 'sim_pay_at_deadline']);

const CHANNELS: PaymentScenario['channel'][] = ['sandbox', 'sandbox_backup', undefined];

export function scenarioFor(index: number, seed: number, random: () => number): PaymentScenario {
  // Every token in turn, so that even a short drill has all of them.
  const token = SANDBOX_TOKENS[index % SANDBOX_TOKENS.length] ?? 'sim_success';
  const r = random();
  return {
    outTradeNo: `drill-${seed}-${index}`,
    token,
    methodType: random() < 0.3 ? 'bank_card' : 'wallet',
    // No channel: the merchant's default (routing's choice).
    channel: pick(random, CHANNELS),
    amount: 100 + Math.floor(random() * 99_900),
    duplicateCreates: index % 20 === 3,
    merchantClose: CLOSABLE.has(token) && random() < 0.5,
    refund: r < 0.25 ? 'partial' : r < 0.4 ? 'full' : r < 0.5 ? 'racing' : r < 0.6 ? 'over' : 'none',
  };
}

import { z } from 'zod';

const rate = z.number().min(0).max(1).default(0);

/** `PUT /sim/faults` (contract section 4): each rate a fraction 0–1 of calls or notifies. */
export const faultProfileSchema = z.strictObject({
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  payError: rate,
  payTimeout: rate,
  queryError: rate,
  closeError: rate,
  refundError: rate,
  notifyLoss: rate,
  notifyDuplicate: rate,
  notifyReorder: rate,
  notifyDelayMs: z
    .tuple([z.number().int().min(0), z.number().int().min(0).max(600_000)])
    .refine(([min, max]) => min <= max, 'notifyDelayMs must be [min, max] with min <= max')
    .default([0, 0]),
});
export type FaultProfile = z.infer<typeof faultProfileSchema>;

export const FAULT_KINDS = [
  'payError',
  'payTimeout',
  'queryError',
  'closeError',
  'refundError',
  'notifyLoss',
  'notifyDuplicate',
  'notifyReorder',
] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

/** What a gateway call suffers: an HTTP 5xx or a signed 20000 (no effect), or a late answer (effect). */
export type GatewayFault = 'http_5xx' | 'system_error' | 'timeout' | null;

/** What one notify suffers: never sent, sent twice (same notify_id), held back so later ones overtake. */
export interface NotifyFaults {
  lost: boolean;
  copies: number;
  delayMs: number;
}

const METHOD_FAULTS: Record<string, { error: FaultKind; timeout?: FaultKind }> = {
  'alipay.trade.pay': { error: 'payError', timeout: 'payTimeout' },
  'alipay.trade.precreate': { error: 'payError', timeout: 'payTimeout' },
  'alipay.trade.query': { error: 'queryError' },
  'alipay.trade.fastpay.refund.query': { error: 'queryError' },
  'alipay.trade.close': { error: 'closeError' },
  'alipay.trade.cancel': { error: 'closeError' },
  'alipay.trade.refund': { error: 'refundError' },
};

/** A held-back notify waits this much past the longest delay, so that a later notify overtakes it. */
const REORDER_EXTRA_MS = 500;

/**
 * The fault profile in force and a PRNG seeded from it, so a drill can be repeated: the same seed and
 * the same sequence of calls draw the same faults. Counts what it injected, by kind, for the drill.
 */
export class SandboxFaults {
  private profile: FaultProfile | null = null;
  private random: () => number = () => 1;
  private injected = emptyCounts();

  set(profile: FaultProfile): void {
    this.profile = profile;
    this.random = mulberry32(profile.seed);
    this.injected = emptyCounts();
  }

  clear(): void {
    this.profile = null;
  }

  /** The profile in force (null: none) and what was injected since it was set. */
  snapshot(): { profile: FaultProfile | null; injected: Record<FaultKind, number> } {
    return { profile: this.profile, injected: { ...this.injected } };
  }

  forGatewayCall(method: string): GatewayFault {
    const kinds = METHOD_FAULTS[method];
    if (!kinds) return null;
    if (this.draw(kinds.error)) return this.random() < 0.5 ? 'http_5xx' : 'system_error';
    return kinds.timeout && this.draw(kinds.timeout) ? 'timeout' : null;
  }

  forNotify(): NotifyFaults {
    const profile = this.profile;
    if (!profile) return { lost: false, copies: 1, delayMs: 0 };
    const lost = this.draw('notifyLoss');
    const copies = this.draw('notifyDuplicate') ? 2 : 1;
    const [min, max] = profile.notifyDelayMs;
    const delayMs = min + Math.floor(this.random() * (max - min + 1));
    return { lost, copies, delayMs: this.draw('notifyReorder') ? max + REORDER_EXTRA_MS : delayMs };
  }

  private draw(kind: FaultKind): boolean {
    const chance = this.profile?.[kind] ?? 0;
    // Draw even at rate 0, so that one kind's rate never shifts the others' sequence.
    const hit = this.profile !== null && this.random() < chance;
    if (hit) this.injected[kind] += 1;
    return hit;
  }
}

function emptyCounts(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
}

/** A small, well-known 32-bit PRNG: fractions in [0, 1), the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

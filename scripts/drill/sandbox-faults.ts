import { FAULT_KINDS } from '../../src/channels/sandbox/sandbox-faults';

type Counts = Record<(typeof FAULT_KINDS)[number], number>;

/** The drill's fault profile: every kind the sandbox knows, at rates a bad day at a channel might see. */
export function drillProfile(seed: number): Record<string, unknown> {
  return {
    seed,
    payError: 0.05,
    payTimeout: 0.03,
    queryError: 0.1,
    closeError: 0.15,
    refundError: 0.1,
    notifyLoss: 0.1,
    notifyDuplicate: 0.1,
    notifyReorder: 0.08,
    notifyDelayMs: [0, 1500],
  };
}

/**
 * Sets the profile on the sandbox and adds up what it injected, over each of its lives: the sandbox
 * keeps its books across a restart but not its fault counts, so they are read before it goes and the
 * profile is set again (with the next seed) once it is back. Sampled meanwhile, as a kill gives no notice.
 */
export class FaultLedger {
  private readonly earlierLives: Counts = zero();
  private current: Counts = zero();
  private lives = 0;

  constructor(
    private readonly sandboxUrl: string,
    private readonly seed: number,
  ) {}

  async set(): Promise<void> {
    const response = await fetch(`${this.sandboxUrl}/sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(drillProfile(this.seed + this.lives)),
    });
    if (!response.ok)
      throw new Error(`PUT /sim/faults answered ${response.status}: ${await response.text()}`);
    this.lives += 1;
    this.current = zero();
  }

  /** Reads the counts of the sandbox's current life; a sandbox that is away keeps the last sample. */
  async sample(): Promise<void> {
    try {
      const response = await fetch(`${this.sandboxUrl}/sim/faults`, { signal: AbortSignal.timeout(2000) });
      const { injected } = (await response.json()) as { injected: Counts };
      this.current = { ...injected };
    } catch {
      // Away (being restarted): the last sample stands.
    }
  }

  /** Before a restart: what this life injected goes to the total. */
  async endLife(): Promise<void> {
    await this.sample();
    for (const kind of FAULT_KINDS) this.earlierLives[kind] += this.current[kind];
    this.current = zero();
  }

  async clear(): Promise<void> {
    await this.sample();
    await fetch(`${this.sandboxUrl}/sim/faults`, { method: 'DELETE' });
  }

  totals(): Counts {
    const sum = zero();
    for (const kind of FAULT_KINDS) sum[kind] = this.earlierLives[kind] + this.current[kind];
    return sum;
  }
}

function zero(): Counts {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Counts;
}

import type { PaymentWorkflowOptions } from './contract';

const HOUR = 3_600_000;

/** Alipay retries a notify for about 25 hours: stay open that long after a final status to catch late money. */
export const DEFAULT_OPTIONS: Required<PaymentWorkflowOptions> = {
  graceMs: 25 * HOUR,
  pollInitialMs: 2_000,
  pollMaxMs: 60_000,
};

export function resolveOptions(o: PaymentWorkflowOptions | undefined): Required<PaymentWorkflowOptions> {
  return { ...DEFAULT_OPTIONS, ...o };
}

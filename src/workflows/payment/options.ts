import type { PaymentWorkflowOptions } from '../contract';

const HOUR = 3_600_000;

/**
 * Alipay retries a notify for about 25 hours: stay open that long after a final status to catch late money
 * (after that the late-money workflow takes it). Temporal's hard limit is 51,200 events per run; the server
 * suggests continue-as-new well before; 10,000 is the backstop.
 */
export const DEFAULT_OPTIONS: Required<PaymentWorkflowOptions> = {
  graceMs: 25 * HOUR,
  pollInitialMs: 2_000,
  pollMaxMs: 60_000,
  maxHistoryEvents: 10_000,
};

export function resolveOptions(o: PaymentWorkflowOptions | undefined): Required<PaymentWorkflowOptions> {
  return { ...DEFAULT_OPTIONS, ...o };
}

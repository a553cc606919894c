import type { PaymentWorkflowOptions } from '../contract';

const MINUTE = 60_000;

/**
 * A short grace window after a final status: the final notify's duplicates and the deadline race land in the
 * payment's own history. Anything later (Alipay retries a notify for about 25 hours) goes to the late-money
 * workflow, which refunds it just the same, so the Web UI shows a finished payment as completed within
 * minutes instead of RUNNING for a day. Temporal's hard limit is 51,200 events per run; the server
 * suggests continue-as-new well before; 10,000 is the backstop.
 */
export const DEFAULT_OPTIONS: Required<PaymentWorkflowOptions> = {
  graceMs: 10 * MINUTE,
  pollInitialMs: 2_000,
  pollMaxMs: 60_000,
  maxHistoryEvents: 10_000,
};

export function resolveOptions(o: PaymentWorkflowOptions | undefined): Required<PaymentWorkflowOptions> {
  return { ...DEFAULT_OPTIONS, ...o };
}

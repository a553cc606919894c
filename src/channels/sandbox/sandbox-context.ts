import type { GatewayAnswer } from './gateway-answers';
import type { GatewayCall } from './gateway-request';
import type { SandboxScheduler } from './sandbox-scheduler';
import type { TradeBook } from './trade-book';

/** What every gateway method handler works with. */
export interface SandboxContext {
  book: TradeBook;
  scheduler: SandboxScheduler;
  /** How long the slow-answer behaviour holds the pay answer back. */
  timeoutDelayMs: number;
  /** The sandbox's own address as the caller reached it, for qr_code and bill URLs. */
  baseUrl: string;
  now: Date;
}

export type GatewayMethod = (
  call: GatewayCall,
  ctx: SandboxContext,
) => GatewayAnswer | Promise<GatewayAnswer>;

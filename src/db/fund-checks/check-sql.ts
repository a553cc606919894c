import type { FundCheckSettings } from '../../domain/fund-check-settings';
import type { FundCheckName } from '../../domain/fund-checks';

export interface CheckContext {
  now: Date;
  settings: FundCheckSettings;
}

/**
 * One check as SQL. `findings` returns (payment_id, refund_id, detail) rows, one per thing found, set-based
 * over the whole record; `checked` counts what the check looked at (no parameters), for the run's table.
 */
export interface CheckSql {
  name: FundCheckName;
  checked: string;
  findings: string;
  params?: (ctx: CheckContext) => unknown[];
}

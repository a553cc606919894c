/** Bill days are the channel's calendar days (Beijing time, UTC+8, no daylight saving, for Alipay). */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The Beijing day an instant falls on, `yyyy-MM-dd`. */
export function beijingDayOf(at: Date): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** The day before the Beijing day of `at`: what a daily run started at `at` reconciles. */
export function previousBeijingDay(at: Date): string {
  return beijingDayOf(new Date(at.getTime() - DAY_MS));
}

/** True for a real calendar day `yyyy-MM-dd` (no Feb 30). */
export function isCalendarDay(day: string): boolean {
  const m = CALENDAR_DAY.exec(day);
  if (!m) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** [start, end) of a Beijing day. */
export function beijingDayBounds(day: string): { start: Date; end: Date } {
  if (!isCalendarDay(day)) throw new RangeError(`not a calendar day: ${JSON.stringify(day)}`);
  const start = new Date(new Date(`${day}T00:00:00Z`).getTime() - BEIJING_OFFSET_MS);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

export function adjacentDay(day: string, which: 'PREVIOUS' | 'NEXT'): string {
  const { start } = beijingDayBounds(day);
  return beijingDayOf(new Date(start.getTime() + (which === 'NEXT' ? DAY_MS : -DAY_MS)));
}

/** Workflow ids of runs: the first run of a day, then `-rerun-<n>` for each explicit rerun. */
export function reconWorkflowId(channel: string, billDate: string, rerunNo = 0): string {
  return rerunNo > 0 ? `recon-${channel}-${billDate}-rerun-${rerunNo}` : `recon-${channel}-${billDate}`;
}

/** The workflow type and query names, shared by the API (which may not import workflow code) and the CLI. */
export const RECON_WORKFLOW_TYPE = 'reconciliationWorkflow';
export const RECON_PROGRESS_QUERY = 'reconciliationProgress';

/**
 * Alipay speaks wall-clock time in Beijing (UTC+8, no daylight saving) as `yyyy-MM-dd HH:mm:ss`:
 * time_expire, gmt_payment, notify_time, bill dates. These helpers convert without touching the
 * machine's own time zone.
 */

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `2024-01-31 20:00:00` for 2024-01-31T12:00:00.750Z: seconds are truncated, never rounded up. */
export function formatBeijingTime(at: Date): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The Beijing calendar day (`yyyy-MM-dd`) an instant falls on: the day of a bill row. */
export function beijingDay(at: Date): string {
  return formatBeijingTime(at).slice(0, 10);
}

/** Parses `yyyy-MM-dd HH:mm:ss` in Beijing time; null for anything malformed or impossible (Feb 30). */
export function parseBeijingTime(text: string): Date | null {
  const match = WALL_CLOCK.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS);
  // Date.UTC silently rolls over (Feb 30 → Mar 2); a round trip catches it.
  return formatBeijingTime(at) === text ? at : null;
}

/** The instants [start, end) of one Beijing calendar day `yyyy-MM-dd`; null when malformed. */
export function beijingDayRange(day: string): { start: Date; end: Date } | null {
  if (!CALENDAR_DAY.test(day)) return null;
  const start = parseBeijingTime(`${day} 00:00:00`);
  if (!start) return null;
  return { start, end: new Date(start.getTime() + 24 * 60 * 60 * 1000) };
}

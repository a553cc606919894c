/**
 * A strict RFC 3339 date-time reader. Date.parse is too lenient for money deadlines: it accepts
 * date-only strings and, worse, reads a timestamp without offset in the machine's local time zone.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; setUTCFullYear keeps years < 100 literal.
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/**
 * Epoch milliseconds of an RFC 3339 date-time with a mandatory offset ("Z" or "±hh:mm"), or null.
 * Digits below the millisecond are truncated: the service keeps instants as JS Dates, so two
 * deadlines that differ only in microseconds are the same deadline to it.
 */
export function parseRfc3339Millis(s: string): number | null {
  const m = DATE_TIME.exec(s);
  if (m === null) return null;
  const [, y, mo, d, h, mi, sec, fraction, zulu, sign, offH, offM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  // Leap second 60 is refused: JS time has no leap seconds, and it would silently roll to the next minute.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const oh = Number(offH);
    const om = Number(offM);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second, millis);
  return t.getTime() - offsetMinutes * 60_000;
}

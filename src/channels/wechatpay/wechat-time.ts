import { formatBeijingTime } from '../beijing-time';

/**
 * WeChat Pay API v3 writes instants as RFC 3339 with an offset (`2026-12-01T20:00:00+08:00`), and its
 * bills as Beijing wall-clock time (`2026-12-01 20:00:00`).
 */

/** Seconds are truncated, never rounded up: a time_expire so written never outlives the deadline. */
export function formatWechatTime(at: Date): string {
  return `${formatBeijingTime(at).replace(' ', 'T')}+08:00`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 instant with an explicit offset; null for anything else. */
export function parseWechatTime(text: unknown): Date | null {
  if (typeof text !== 'string' || !RFC3339.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * The merchant notification retry schedule (contract section 5): after a failed try, wait 15s, 15s, 30s,
 * 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h before the next one; after the last of them fails
 * the notification is DEAD. 16 tries in all, about 24 hours end to end. Pure: the delivery workflow turns
 * these into timers, and a scale factor compresses the whole schedule (tests run it in seconds).
 */

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

/** The waits between tries, in milliseconds, unscaled. */
export const NOTIFICATION_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  15 * S,
  15 * S,
  30 * S,
  3 * M,
  10 * M,
  20 * M,
  30 * M,
  30 * M,
  30 * M,
  60 * M,
  3 * H,
  3 * H,
  3 * H,
  6 * H,
  6 * H,
]);

/** Tries before a notification is DEAD: the first one plus one after each wait. */
export const NOTIFICATION_MAX_TRIES = NOTIFICATION_RETRY_DELAYS_MS.length + 1;

/** The smallest timer the schedule asks for, however hard it is compressed. */
export const MIN_NOTIFICATION_DELAY_MS = 1;

/** A scale factor must be a finite number > 0 (1 = the contract's schedule, 0.001 = a thousand times faster). */
export function isValidScheduleScale(scale: number): boolean {
  return typeof scale === 'number' && Number.isFinite(scale) && scale > 0;
}

function assertScale(scale: number): void {
  if (!isValidScheduleScale(scale)) {
    throw new RangeError(`schedule scale must be a finite number > 0, got ${String(scale)}`);
  }
}

/** The schedule's waits multiplied by `scale`, in whole milliseconds (at least 1 ms each). */
export function notificationRetryDelaysMs(scale = 1): number[] {
  assertScale(scale);
  return NOTIFICATION_RETRY_DELAYS_MS.map((d) => Math.max(MIN_NOTIFICATION_DELAY_MS, Math.round(d * scale)));
}

/**
 * How long to wait after try number `triesSoFar` (1-based) failed, or null when that was the last try and
 * the notification is DEAD.
 */
export function nextNotificationDelayMs(triesSoFar: number, scale = 1): number | null {
  assertScale(scale);
  if (!Number.isSafeInteger(triesSoFar) || triesSoFar < 1) {
    throw new RangeError(`triesSoFar must be a positive integer, got ${String(triesSoFar)}`);
  }
  const base = NOTIFICATION_RETRY_DELAYS_MS[triesSoFar - 1];
  return base === undefined ? null : Math.max(MIN_NOTIFICATION_DELAY_MS, Math.round(base * scale));
}

/** The whole schedule's length (sum of the waits) at `scale`, in milliseconds. */
export function notificationScheduleTotalMs(scale = 1): number {
  return notificationRetryDelaysMs(scale).reduce((a, b) => a + b, 0);
}

/** Reads a scale factor from configuration text (env MERCHANT_NOTIFY_SCHEDULE_SCALE); unset or empty = 1. */
export function parseScheduleScale(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const n = Number(raw.trim());
  if (!isValidScheduleScale(n)) {
    throw new RangeError(`MERCHANT_NOTIFY_SCHEDULE_SCALE must be a number > 0, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * The workflow id of one delivery run of an event: `notify-<eventId>` for the first, `notify-<eventId>-resend-<n>`
 * for the n-th resend. Derived, so a run is started at most once however many sweepers try.
 */
export function notificationWorkflowId(eventId: string, runNo: number): string {
  if (!/^evt_[0-9a-f]{32}$/.test(eventId))
    throw new RangeError(`not an event id: ${JSON.stringify(eventId)}`);
  if (!Number.isSafeInteger(runNo) || runNo < 0) throw new RangeError(`bad delivery run number ${runNo}`);
  return runNo === 0 ? `notify-${eventId}` : `notify-${eventId}-resend-${runNo}`;
}

import { ApplicationFailure } from '@temporalio/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AttemptOutcome, NotificationRepository } from '../db/merchant-notification-repository';
import { checkNotifyUrlForm, isForbiddenNotifyAddress } from '../domain/notify-url-policy';
import { SIGNATURE_HEADER, signNotification } from './merchant-notification-signature';

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;

export interface NotificationActivityPorts {
  notifications: NotificationRepository;
  /** NODE_ENV=production: https only, and only to public addresses (checked at every try). */
  production: boolean;
  /** Per-try HTTP timeout (connect to answer). */
  timeoutMs?: number;
  now?: () => Date;
}

export interface DeliverNotificationInput {
  eventId: string;
  /** The delivery run: 0 = first delivery, n = n-th resend. */
  runNo: number;
  /** The try's number within the run, from 1. */
  attemptNo: number;
}

export interface DeliverNotificationResult {
  outcome: AttemptOutcome;
  httpStatus: number | null;
  error: string | null;
}

/** Refused before any byte was sent: the URL (or what its name resolves to) is not allowed. */
class NotifyUrlRefused extends Error {}

/**
 * DNS lookup for production deliveries: the connection is made only to addresses that passed the check, in
 * the same lookup the socket uses (no window between a check and a second resolution).
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses;
    const bad = list.find((a) => isForbiddenNotifyAddress(a.address));
    if (bad || list.length === 0) {
      const e = new NotifyUrlRefused(
        bad
          ? `notifyUrl host ${hostname} resolves to a non-public address (${bad.address})`
          : `notifyUrl host ${hostname} has no address`,
      ) as NodeJS.ErrnoException;
      return callback(e, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

/** One POST of the exact body; resolves with the HTTP status, rejects on a network error or timeout. */
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  production: boolean,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: 'POST',
      // A fresh connection per try: no pooled socket skips the address check, none outlives the try.
      agent: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
      ...(production ? { lookup: publicOnlyLookup } : {}),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume(); // the answer's body is not read; only the status counts
      res.once('end', () => clearTimeout(timer));
      res.on('error', () => clearTimeout(timer));
      resolve(status);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body, 'utf8');
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return (code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message).slice(0, 500);
  }
  return String(err).slice(0, 500);
}

/** Activities of the merchant notification workflow. */
export function createNotificationActivities({
  notifications,
  production,
  timeoutMs = DEFAULT_NOTIFY_TIMEOUT_MS,
  now = () => new Date(),
}: NotificationActivityPorts) {
  return {
    /**
     * One try: POST the frozen body, signed with a timestamp taken now, and record what came back. A try
     * that was already recorded (the activity retried after it committed) is not sent again; an event that
     * a resend took over, or that is no longer PENDING, is not sent at all.
     */
    async deliverMerchantNotification(input: DeliverNotificationInput): Promise<DeliverNotificationResult> {
      const target = await notifications.loadForDelivery(input.eventId);
      if (!target)
        throw ApplicationFailure.nonRetryable(
          `merchant notification ${input.eventId} not found`,
          'NOT_FOUND',
        );
      if (target.resendCount !== input.runNo || target.status !== 'PENDING') {
        const delivered = target.status === 'DELIVERED' && target.resendCount === input.runNo;
        return { outcome: delivered ? 'DELIVERED' : 'SUPERSEDED', httpStatus: null, error: null };
      }
      const done = await notifications.findAttempt(input.eventId, input.runNo, input.attemptNo);
      if (done) {
        return {
          outcome: done.delivered ? 'DELIVERED' : 'FAILED',
          httpStatus: done.httpStatus,
          error: done.error,
        };
      }

      const startedAt = now();
      const t0 = performance.now();
      let httpStatus: number | null = null;
      let error: string | null = null;
      const form = checkNotifyUrlForm(target.notifyUrl, { production });
      if (!form.ok) {
        error = `refused: ${form.reason}`;
      } else {
        const t = Math.floor(now().getTime() / 1000);
        try {
          httpStatus = await post(
            form.url,
            target.body,
            {
              'content-type': 'application/json; charset=utf-8',
              'user-agent': 'payment-orchestrator-notifier/1',
              [SIGNATURE_HEADER]: signNotification(target.notifySecret, target.body, t),
            },
            timeoutMs,
            production,
          );
          if (httpStatus < 200 || httpStatus > 299) error = `HTTP ${httpStatus}`;
        } catch (err) {
          error = err instanceof NotifyUrlRefused ? `refused: ${err.message}` : describe(err);
        }
      }
      const delivered = httpStatus !== null && httpStatus >= 200 && httpStatus <= 299;
      const outcome = await notifications.recordAttempt({
        id: target.id,
        runNo: input.runNo,
        attemptNo: input.attemptNo,
        at: startedAt,
        notifyUrl: target.notifyUrl,
        httpStatus,
        error: delivered ? null : error,
        durationMs: performance.now() - t0,
        delivered,
      });
      return { outcome, httpStatus, error: delivered ? null : error };
    },

    /** The run's schedule is spent: DEAD. False when a resend took over, or the event was delivered meanwhile. */
    async markMerchantNotificationDead(input: { eventId: string; runNo: number }): Promise<boolean> {
      return notifications.markDead(input.eventId, input.runNo, now());
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

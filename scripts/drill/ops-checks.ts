import { SANDBOX_ACCOUNT_NAMES } from '../../src/channels/sandbox/sandbox-keys';
import type { DrillApi } from './api-client';

/** An operator check's outcome: how many it looked at and found wrong, or why it could not run. */
export type CheckOutcome =
  { available: true; checked: number; broken: number; notes: string[] } | { available: false; why: string };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `POST /v1/ops/reconciliations` for every channel account and day, waited for (bounded), rerun so that
 * the day's last movements are in: broken = differences still OPEN after the run's own repairs.
 */
export async function reconcile(api: DrillApi, days: string[], withinMs = 120_000): Promise<CheckOutcome> {
  let checked = 0;
  let broken = 0;
  const notes: string[] = [];
  for (const channel of SANDBOX_ACCOUNT_NAMES) {
    for (const billDate of days) {
      const body = { channel, billDate, reason: 'fault drill', rerun: true };
      const started = await api.operator('POST', '/v1/ops/reconciliations', body);
      if (started.status === 404)
        return { available: false, why: 'POST /v1/ops/reconciliations answered 404' };
      if (started.status >= 300) {
        broken += 1;
        notes.push(`${channel} ${billDate}: answered ${started.status} ${JSON.stringify(started.body)}`);
        continue;
      }
      let run = started.body as { id: string; status: string; summary?: { channelRows?: number } };
      const deadline = Date.now() + withinMs;
      while (run.status === 'RUNNING' && Date.now() < deadline) {
        await sleep(1000);
        const polled = await api.operator('GET', `/v1/ops/reconciliations/${run.id}`);
        if (polled.status === 200) run = polled.body as typeof run;
      }
      if (run.status !== 'COMPLETED') {
        broken += 1;
        notes.push(`${channel} ${billDate}: run ${run.id} ${run.status}`);
        continue;
      }
      const listed = await api.operator('GET', `/v1/ops/reconciliations/${run.id}/differences`);
      const differences = differencesOf(listed.body);
      checked += Math.max(run.summary?.channelRows ?? 0, differences.length, 1);
      for (const d of differences.filter((x) => x.resolution === 'OPEN')) {
        broken += 1;
        notes.push(
          `${channel} ${billDate}: OPEN ${d.type} payment ${d.paymentId ?? '-'} refund ${d.refundId ?? '-'}`,
        );
      }
    }
  }
  return { available: true, checked, broken, notes };
}

/** `POST /v1/ops/fund-checks`: broken = its findings. */
export async function fundChecks(api: DrillApi): Promise<CheckOutcome> {
  const answer = await api.operator('POST', '/v1/ops/fund-checks', { reason: 'fault drill' });
  if (answer.status === 404) return { available: false, why: 'POST /v1/ops/fund-checks answered 404' };
  if (answer.status >= 300) {
    return {
      available: true,
      checked: 1,
      broken: 1,
      notes: [`answered ${answer.status} ${JSON.stringify(answer.body)}`],
    };
  }
  const findings =
    (answer.body as { findings?: { check: string; paymentId?: string; detail?: string }[] }).findings ?? [];
  return {
    available: true,
    checked: 1 + findings.length,
    broken: findings.length,
    notes: findings.map((f) => `${f.check} payment ${f.paymentId ?? '-'}: ${f.detail ?? ''}`),
  };
}

interface Difference {
  type: string;
  paymentId: string | null;
  refundId: string | null;
  resolution: string;
}

function differencesOf(body: unknown): Difference[] {
  if (Array.isArray(body)) return body as Difference[];
  const wrapped = body as { differences?: Difference[]; items?: Difference[]; data?: Difference[] } | null;
  return wrapped?.differences ?? wrapped?.items ?? wrapped?.data ?? [];
}

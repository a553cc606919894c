import type { RequestRecord } from './api-client';
import type { DownWindow } from './chaos';
import type { ChannelTrade } from './channel-books';
import type { LoadCounts } from './load';
import type { ReceivedEvent } from './merchant-receiver';
import type { CheckOutcome } from './ops-checks';
import type { OurRecord } from './our-record';

export interface Verdict {
  invariant: string;
  /** null: not available on this build (NOT checked, never passed). */
  checked: number | null;
  broken: number;
  examples: string[];
}

/** A verdict being counted. */
type Tally = Verdict & { checked: number };

const FINAL_PAYMENT = new Set(['SUCCEEDED', 'FAILED', 'CLOSED']);
const FINAL_REFUND = new Set(['SUCCEEDED', 'FAILED']);
/** After a part comes back, the API may still answer 503 for a moment (pools, reconnects). */
const RECOVERY_MS = 15_000;

export interface Evidence {
  record: OurRecord;
  books: Map<string, ChannelTrade>;
  received: Map<string, ReceivedEvent>;
  requests: RequestRecord[];
  windows: DownWindow[];
  load: LoadCounts;
  reconciliation: CheckOutcome;
  fundChecks: CheckOutcome;
}

/** Our record against the channel's books, the merchant's endpoint and the operators' own checks. */
export function judge(e: Evidence): Verdict[] {
  const v = (invariant: string): Tally => ({ invariant, checked: 0, broken: 0, examples: [] });
  const fail = (verdict: Tally, example: string): void => {
    verdict.broken += 1;
    if (verdict.examples.length < 5) verdict.examples.push(example);
  };
  const final = v('every payment and refund final (none UNKNOWN/PROCESSING)');
  const kept = v('money the channel kept = amount - refunded if SUCCEEDED, else 0');
  const twice = v('never two kept charges for one order');
  const refunds = v('refunds <= paid');
  const duplicates = v('concurrent duplicate creates make one payment');
  const events = v('every merchant event delivered once as one event id, or DEAD');

  for (const p of e.record.payments) {
    final.checked += 1;
    if (!FINAL_PAYMENT.has(p.status)) fail(final, `payment ${p.id} ${p.status}`);
    const trades = p.attempts.map((a) => e.books.get(a.channelOutTradeNo));
    const keptBy = trades.map((t) => (t ? t.paid - t.refunded : 0));
    const keptTotal = keptBy.reduce((sum, x) => sum + x, 0);
    const expected = p.status === 'SUCCEEDED' ? p.amount - p.refundedAmount : 0;
    kept.checked += 1;
    if (keptTotal !== expected)
      fail(kept, `payment ${p.id} ${p.status}: channel kept ${keptTotal}, expected ${expected}`);
    twice.checked += 1;
    const charges = keptBy.filter((x) => x > 0).length + trades.filter((t) => t && t.payments > 1).length;
    if (charges > 1) fail(twice, `payment ${p.id}: ${charges} kept charges`);
    refunds.checked += 1;
    const overAtChannel = trades.find((t) => t && t.refunded > t.paid);
    if (p.refundedAmount > p.amount || overAtChannel) {
      fail(refunds, `payment ${p.id}: refunded ${p.refundedAmount} of ${p.amount}`);
    }
  }
  for (const r of e.record.refunds) {
    final.checked += 1;
    if (!FINAL_REFUND.has(r.status)) fail(final, `refund ${r.id} ${r.status}`);
  }
  duplicates.checked = e.load.duplicateCreates;
  duplicates.broken = e.load.duplicateSplits;
  refunds.checked += e.load.overRefundsRefused + e.load.overRefundsAccepted;
  for (let i = 0; i < e.load.overRefundsAccepted; i += 1)
    fail(refunds, 'a refund over what was left was accepted');

  const ours = new Set(e.record.notifications.map((n) => n.id));
  for (const n of e.record.notifications) {
    events.checked += 1;
    const got = e.received.get(n.id);
    if (n.status === 'DEAD') continue;
    if (n.status !== 'DELIVERED' || !got?.accepted)
      fail(events, `event ${n.id} ${n.type} ${n.status}, received: ${got ? 'yes' : 'no'}`);
    else if (got.bodies.size !== 1 || !got.bodies.has(n.body))
      fail(events, `event ${n.id} arrived as ${got.bodies.size} bodies`);
  }
  for (const [id, got] of e.received)
    if (!ours.has(id)) fail(events, `received ${id} (${got.type}), not in our record`);
  for (const p of e.record.payments.filter((x) => FINAL_PAYMENT.has(x.status))) {
    const kinds = e.record.notifications.filter((n) => n.paymentId === p.id && n.refundId === null);
    events.checked += 1;
    if (kinds.length !== 1) fail(events, `payment ${p.id} ${p.status} has ${kinds.length} payment events`);
  }

  return [
    final,
    kept,
    twice,
    refunds,
    duplicates,
    events,
    fromCheck('reconciliation: zero open differences', e.reconciliation),
    fromCheck('fund checks: zero findings', e.fundChecks),
    ...answers(e.requests, e.windows),
  ];
}

function fromCheck(invariant: string, outcome: CheckOutcome): Verdict {
  if (!outcome.available) return { invariant, checked: null, broken: 0, examples: [outcome.why] };
  return { invariant, checked: outcome.checked, broken: outcome.broken, examples: outcome.notes.slice(0, 5) };
}

/** No 5xx but a 503 while (or just after) a dependency was down; no request without an answer in time. */
function answers(requests: RequestRecord[], windows: DownWindow[]): Verdict[] {
  // In flight at any moment of [from - 1 s, to + recovery]: a request sent a little before a part went
  // away (slow on a busy machine) and answered 503 while it was away is the contract's answer too.
  const down = (from: number, to: number, kinds?: string[]): boolean =>
    windows.some(
      (w) => (!kinds || kinds.includes(w.kind)) && to >= w.from - 1000 && from <= w.to + RECOVERY_MS,
    );
  const fiveXx: Tally = {
    invariant: 'no 5xx but 503 while a dependency was down',
    checked: 0,
    broken: 0,
    examples: [],
  };
  const hung: Tally = {
    invariant: 'no request hung (client timeout) or refused while the API was up',
    checked: 0,
    broken: 0,
    examples: [],
  };
  for (const r of requests) {
    fiveXx.checked += 1;
    hung.checked += 1;
    const what = `${r.method} ${r.path} at ${new Date(r.at).toISOString()}`;
    if (r.status !== null && r.status >= 500 && !(r.status === 503 && down(r.at, r.endedAt))) {
      fiveXx.broken += 1;
      if (fiveXx.examples.length < 5) fiveXx.examples.push(`${r.status} ${what}`);
    }
    // A request the API was stopped under (it has no drain) fails with the API down: that is no hang.
    if (r.error === 'hung' || (r.error === 'refused' && !down(r.endedAt, r.endedAt, ['apiDown']))) {
      hung.broken += 1;
      if (hung.examples.length < 5) hung.examples.push(`${r.error} (${r.detail ?? '-'}) ${what}`);
    }
  }
  return [fiveXx, hung];
}

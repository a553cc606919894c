import type { DrillApi, ApiAnswer } from './api-client';
import type { PaymentScenario } from './payment-scenario';

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CLOSED']);

export interface LoadCounts {
  payments: number;
  duplicateCreates: number;
  /** Concurrent identical creates that answered more than one payment id. */
  duplicateSplits: number;
  payAgains: number;
  merchantCloses: number;
  refundsAsked: number;
  /** Refunds over what was left that the API refused (422), and those it accepted. */
  overRefundsRefused: number;
  overRefundsAccepted: number;
  /** Payments whose create never answered (the API down for longer than the drill waits). */
  notCreated: number;
}

export function emptyLoadCounts(): LoadCounts {
  return {
    payments: 0,
    duplicateCreates: 0,
    duplicateSplits: 0,
    payAgains: 0,
    merchantCloses: 0,
    refundsAsked: 0,
    overRefundsRefused: 0,
    overRefundsAccepted: 0,
    notCreated: 0,
  };
}

/** Bounds the creates in flight (a closed loop, as a merchant's checkout is): the load waits for room. */
export class CreateGate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async enter(): Promise<void> {
    while (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight += 1;
  }

  leave(): void {
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One payment's life as a merchant lives it: create (retried while the API or a dependency is away,
 * always with the same body, so a replay is a replay), close, pay again, refund.
 */
export async function runPayment(
  api: DrillApi,
  s: PaymentScenario,
  opts: { deadlineMs: number; notifyUrl: string; gate: CreateGate },
  counts: LoadCounts,
): Promise<void> {
  // The caller entered the gate for us; the create is done (answered or given up) when we leave it.
  let created: ApiAnswer;
  try {
    created = await createPayment(api, s, opts, counts);
  } finally {
    opts.gate.leave();
  }
  if (created.status >= 300 || created.status === 0) {
    counts.notCreated += 1;
    return;
  }
  counts.payments += 1;
  const id = (created.body as { id: string }).id;
  await afterCreate(api, id, s, opts.deadlineMs, counts);
}

async function createPayment(
  api: DrillApi,
  s: PaymentScenario,
  opts: { deadlineMs: number; notifyUrl: string },
  counts: LoadCounts,
): Promise<ApiAnswer> {
  const body = {
    outTradeNo: s.outTradeNo,
    amount: s.amount,
    currency: 'CNY',
    subject: `drill ${s.token}`,
    orderDeadline: new Date(Date.now() + opts.deadlineMs).toISOString(),
    method: { type: s.methodType, token: s.token },
    ...(s.channel ? { channel: s.channel } : {}),
    notifyUrl: opts.notifyUrl,
  };
  const create = (): Promise<ApiAnswer> => persist(() => api.merchant('POST', '/v1/payments', body));
  if (!s.duplicateCreates) return create();
  counts.duplicateCreates += 1;
  const answers = await Promise.all([create(), create(), create()]);
  const ids = new Set(
    answers.filter((a) => a.status > 0 && a.status < 300).map((a) => (a.body as { id: string }).id),
  );
  if (ids.size > 1) counts.duplicateSplits += 1;
  return answers.find((a) => a.status > 0 && a.status < 300) ?? answers[0];
}

async function afterCreate(
  api: DrillApi,
  id: string,
  s: PaymentScenario,
  deadlineMs: number,
  counts: LoadCounts,
): Promise<void> {
  if (s.merchantClose) {
    await sleep(300);
    counts.merchantCloses += 1;
    await persist(() => api.merchant('POST', `/v1/payments/${id}/close`));
  }
  let status = await settled(api, id, deadlineMs + 30_000);
  if (status === 'AWAITING_RETRY') {
    counts.payAgains += 1;
    await persist(() =>
      api.merchant('POST', `/v1/payments/${id}/attempts`, {
        method: { type: s.methodType, token: 'sim_success' },
      }),
    );
    status = await settled(api, id, deadlineMs + 30_000);
  }
  if (status === 'SUCCEEDED') await refund(api, id, s, counts);
}

async function refund(api: DrillApi, id: string, s: PaymentScenario, counts: LoadCounts): Promise<void> {
  const ask = (no: number, amount: number): Promise<ApiAnswer> => {
    counts.refundsAsked += 1;
    return persist(() =>
      api.merchant('POST', `/v1/payments/${id}/refunds`, { outRefundNo: `r${no}`, amount, reason: 'drill' }),
    );
  };
  const over = (answer: ApiAnswer): void => {
    if (answer.status === 422) counts.overRefundsRefused += 1;
    else if (answer.status < 300) counts.overRefundsAccepted += 1;
  };
  if (s.refund === 'partial') await ask(1, Math.max(1, Math.floor(s.amount / 3)));
  if (s.refund === 'full') await ask(1, s.amount);
  if (s.refund === 'over') over(await ask(1, s.amount + 1));
  if (s.refund === 'racing') {
    const share = Math.ceil(s.amount * 0.6);
    const answers = await Promise.all([ask(1, share), ask(2, share)]);
    // One of the two must be refused: together they are more than was paid.
    if (answers.every((a) => a.status < 300)) counts.overRefundsAccepted += 1;
    else counts.overRefundsRefused += 1;
  }
}

/** Polls until the payment is final or waits for a new attempt; its last status when time runs out. */
async function settled(api: DrillApi, id: string, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs;
  let status = 'UNKNOWN';
  while (Date.now() < deadline) {
    const answer = await api.merchant('GET', `/v1/payments/${id}`);
    if (answer.status === 200) status = (answer.body as { status: string }).status;
    if (FINAL.has(status) || status === 'AWAITING_RETRY') return status;
    await sleep(2500 + Math.random() * 1000);
  }
  return status;
}

/** Repeats a request while nobody answers or a dependency is away (503), for up to a minute. */
async function persist(send: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  let answer = await send();
  for (let tries = 1; tries < 30 && (answer.status === 0 || answer.status === 503); tries += 1) {
    await sleep(2000);
    answer = await send();
  }
  return answer;
}

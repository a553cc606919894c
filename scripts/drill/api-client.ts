import { DEFAULT_DEMO_KEYS } from '../../src/db/seed';

/** Longer than any answer the contract allows ("within a few seconds"): past it a request hung. */
const HUNG_AFTER_MS = 20_000;

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** One request's fate, for the judge: its answer's status, or none (refused, hung). */
export interface RequestRecord {
  at: number;
  /** When the answer (or the failure) came. */
  endedAt: number;
  method: string;
  path: string;
  status: number | null;
  error: 'hung' | 'refused' | null;
  /** What the transport said, for a request without an answer. */
  detail?: string;
}

/**
 * The drill's HTTP client of the API: a merchant's or an operator's key, and a record of every answer
 * (status and time) so that the judge can tell a 503 while a dependency was down from a defect.
 */
export class DrillApi {
  readonly records: RequestRecord[] = [];

  constructor(private readonly baseUrl: string) {}

  merchant(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return this.call(DEFAULT_DEMO_KEYS.merchantKey, method, path, body);
  }

  operator(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return this.call(DEFAULT_DEMO_KEYS.operatorKey, method, path, body);
  }

  private async call(key: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const record: RequestRecord = { at: Date.now(), endedAt: 0, method, path, status: null, error: null };
    this.records.push(record);
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(HUNG_AFTER_MS),
      });
      record.status = response.status;
      const text = await response.text();
      record.endedAt = Date.now();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed };
    } catch (err) {
      record.endedAt = Date.now();
      record.error = (err as Error).name === 'TimeoutError' ? 'hung' : 'refused';
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      record.detail = cause?.code ?? cause?.message ?? (err as Error).message;
      return { status: 0, body: null };
    }
  }
}

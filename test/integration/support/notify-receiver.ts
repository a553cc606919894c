import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver saw (also the ones it answered by dropping the connection). */
export interface ReceivedRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes as UTF-8 text. */
  body: string;
  /** Receipt time, ms since the epoch. */
  at: number;
  /** What it was answered with: an HTTP status, or 'DROPPED' (connection destroyed, no answer). */
  answer: number | 'DROPPED';
}

/** How a path answers its n-th request (1-based). */
export type Behaviour = (n: number) => number | 'DROP';

/**
 * A merchant's notification endpoint as a real local HTTP server: each path has its own behaviour (answer
 * 200 by default; fail N times then 200; drop every connection while "down"), and every request is kept.
 */
export class NotifyReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly counts = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<NotifyReceiver> {
    let self: NotifyReceiver | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => self?.handle(req.url ?? '/', req.method ?? '', req.headers, chunks, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new NotifyReceiver(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** The URL of `path` on this receiver, answering as `behaviour` says (default: always 200). */
  url(path: string, behaviour?: Behaviour): string {
    const p = path.startsWith('/') ? path : `/${path}`;
    if (behaviour) this.behaviours.set(p, behaviour);
    return `${this.baseUrl}${p}`;
  }

  setBehaviour(path: string, behaviour: Behaviour): void {
    this.behaviours.set(path.startsWith('/') ? path : `/${path}`, behaviour);
  }

  requestsTo(path: string): ReceivedRequest[] {
    const p = path.startsWith('/') ? path : `/${path}`;
    return this.requests.filter((r) => r.path === p);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(
    path: string,
    method: string,
    headers: IncomingHttpHeaders,
    chunks: Buffer[],
    res: import('node:http').ServerResponse,
  ): void {
    const n = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, n);
    const answer = (this.behaviours.get(path) ?? (() => 200))(n);
    this.requests.push({
      path,
      method,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
      answer: answer === 'DROP' ? 'DROPPED' : answer,
    });
    if (answer === 'DROP') {
      res.socket?.destroy();
      return;
    }
    res
      .writeHead(answer, { 'content-type': 'text/plain' })
      .end(answer >= 200 && answer < 300 ? 'ok' : 'nope');
  }
}

/** Fails the first `n` requests with `status`, then answers 200. */
export const failTimes =
  (n: number, status = 500): Behaviour =>
  (i) =>
    i <= n ? status : 200;

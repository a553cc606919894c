import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seeded } from './prng';

/** What the merchant's endpoint saw of one event id: every body it carried, and whether one got a 2xx. */
export interface ReceivedEvent {
  type: string;
  bodies: Set<string>;
  tries: number;
  accepted: boolean;
}

/**
 * The merchants' notification endpoint: answers 500 to a seeded share of deliveries (a merchant's
 * server failing), 200 to the rest, and keeps what arrived by event id for the judge.
 */
export class MerchantReceiver {
  readonly events = new Map<string, ReceivedEvent>();
  private server: Server | null = null;
  private readonly random: () => number;
  failed = 0;

  constructor(
    private readonly failShare: number,
    seed: number,
  ) {
    this.random = seeded(seed ^ 0x5eed);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const fail = this.random() < this.failShare;
        this.record(body, !fail);
        if (fail) this.failed += 1;
        res.statusCode = fail ? 500 : 200;
        res.end(fail ? 'merchant down' : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/merchant-notify`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private record(body: string, accepted: boolean): void {
    let event: { id?: unknown; type?: unknown };
    try {
      event = JSON.parse(body) as { id?: unknown; type?: unknown };
    } catch {
      event = {};
    }
    const id = typeof event.id === 'string' ? event.id : `(unreadable:${body.slice(0, 40)})`;
    const seen = this.events.get(id) ?? {
      type: String(event.type),
      bodies: new Set(),
      tries: 0,
      accepted: false,
    };
    seen.bodies.add(body);
    seen.tries += 1;
    seen.accepted ||= accepted;
    this.events.set(id, seen);
  }
}

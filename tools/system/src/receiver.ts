import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  deliveryId: string;
  /** performance.timeOrigin + performance.now() at arrival, in ms (comparable across this process). */
  at: number;
  body: Buffer;
}

/**
 * A receiver that answers 200 at once and records every arrival with its idempotency key, for
 * counting losses and repeats. `waitForDistinct` resolves when enough different deliveries came.
 */
export class CountingReceiver {
  readonly arrivals: Arrival[] = [];
  readonly distinct = new Set<string>();
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<CountingReceiver> {
    const holder: { receiver?: CountingReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        holder.receiver?.record(String(req.headers['idempotency-key'] ?? ''), Buffer.concat(chunks));
        res.writeHead(200, { 'content-length': '0' }).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.receiver = new CountingReceiver(server, (server.address() as AddressInfo).port);
    return holder.receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  waitForDistinct(count: number, timeoutMs: number): Promise<boolean> {
    if (this.distinct.size >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private record(deliveryId: string, body: Buffer): void {
    this.arrivals.push({ deliveryId, at: performance.timeOrigin + performance.now(), body });
    this.distinct.add(deliveryId);
    this.waiters = this.waiters.filter((w) => {
      if (this.distinct.size < w.count) return true;
      w.resolve();
      return false;
    });
  }
}

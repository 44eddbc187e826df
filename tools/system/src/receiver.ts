import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArrivalLog } from '@callbacks/testing';

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
export class CountingReceiver extends ArrivalLog<Arrival> {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    super();
  }

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

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private record(deliveryId: string, body: Buffer): void {
    this.recordArrivals([{ deliveryId, at: performance.timeOrigin + performance.now(), body }]);
  }
}

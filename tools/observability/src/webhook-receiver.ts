import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Webhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A customer's server on 127.0.0.1 for end-to-end tests: every request is recorded, each path
 * answers with the status its script gives for the n-th request (200 unless told otherwise,
 * `hang` to never answer), and tests wait for requests instead of sleeping.
 */
export class WebhookReceiver {
  readonly received: Webhook[] = [];
  private readonly scripts = new Map<string, (nth: number) => number | 'hang'>();
  private waiters: { path: string; count: number; resolve: (webhooks: Webhook[]) => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const handlers: { handle?: (webhook: Webhook) => number | 'hang' } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://receiver').pathname;
        const answer = handlers.handle?.({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }) ?? 503;
        if (answer !== 'hang') res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    handlers.handle = (webhook) => receiver.receive(webhook);
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** How `path` answers its n-th request (from 1). */
  answer(path: string, script: (nth: number) => number | 'hang'): void {
    this.scripts.set(path, script);
  }

  /** Resolves with the requests to `path` once there are `count` of them. */
  waitFor(path: string, count: number): Promise<Webhook[]> {
    const seen = this.received.filter((webhook) => webhook.path === path);
    if (seen.length >= count) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ path, count, resolve }));
  }

  /** Closes every connection (hanging requests fail at once) and stops listening. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private receive(webhook: Webhook): number | 'hang' {
    this.received.push(webhook);
    const seen = this.received.filter((w) => w.path === webhook.path);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.path !== webhook.path || seen.length < waiter.count) return true;
      waiter.resolve(seen);
      return false;
    });
    return this.scripts.get(webhook.path)?.(seen.length) ?? 200;
  }
}

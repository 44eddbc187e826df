import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Reply = (req: ReceivedRequest, res: ServerResponse, nth: number) => void;

/**
 * A receiver on 127.0.0.1 for tests: each path answers as the test scripts it (`nth` counts the
 * requests to that path), and every request is recorded. `waitFor` resolves when a path has
 * seen enough requests, so tests wait for events instead of sleeping.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly replies = new Map<string, Reply>();
  private readonly counts = new Map<string, number>();
  private waiters: { path: string; count: number; resolve: () => void }[] = [];
  private open = 0;
  maxConcurrent = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<TestReceiver> {
    const handlers: { handle?: (req: IncomingMessage, res: ServerResponse) => void } = {};
    const server = createServer((req, res) => handlers.handle?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new TestReceiver(server, (server.address() as AddressInfo).port);
    handlers.handle = (req, res) => receiver.handle(req, res);
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string, reply: Reply): void {
    this.replies.set(path, reply);
  }

  seen(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  waitFor(path: string, count: number): Promise<void> {
    if ((this.counts.get(path) ?? 0) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ path, count, resolve }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    this.open++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.open);
    res.once('close', () => this.open--);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const received = { method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks) };
      this.requests.push(received);
      const nth = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, nth);
      const reply = this.replies.get(path) ?? ((_r, response) => response.writeHead(200).end('ok'));
      reply(received, res, nth);
      this.waiters = this.waiters.filter((w) => {
        if (w.path !== path || nth < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }
}

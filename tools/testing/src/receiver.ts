import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Reply = (req: ReceivedRequest, res: ServerResponse, nth: number) => void;

/**
 * A customer's server on 127.0.0.1 for tests: each path answers as the test scripts it (200
 * unless told otherwise), and every request is recorded. `waitFor` resolves when a path has
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

  /** How `path` answers: `reply` gets each request with the count of requests to that path so far. */
  on(path: string, reply: Reply): void {
    this.replies.set(path, reply);
  }

  /** How `path` answers its n-th request (from 1): a status, or `hang` to never answer. */
  answer(path: string, script: (nth: number) => number | 'hang'): void {
    this.on(path, (_req, res, nth) => {
      const status = script(nth);
      if (status !== 'hang') res.writeHead(status).end();
    });
  }

  seen(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Resolves with the requests to `path` once there are `count` of them. */
  async waitFor(path: string, count: number): Promise<ReceivedRequest[]> {
    if ((this.counts.get(path) ?? 0) < count)
      await new Promise<void>((resolve) => this.waiters.push({ path, count, resolve }));
    return this.seen(path);
  }

  /** Closes every connection (hanging requests fail at once) and stops listening. */
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
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
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

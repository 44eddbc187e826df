import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@callbacks/infra';

/**
 * A TCP proxy to a server, to cut one client off while the server and its other clients run on:
 * `cut` drops every connection and refuses new ones until `restore`.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private open = true;

  private constructor(
    readonly port: number,
    host: string,
    targetPort: number,
  ) {
    this.server = createServer((client) => {
      if (!this.open) return client.destroy();
      const upstream = connect(targetPort, host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
    });
  }

  /** Proxies 127.0.0.1:<a free port> to `target` (`[nats://]host:port`). */
  static async start(target: string): Promise<TcpProxy> {
    const [host, port] = target.replace(/^[a-z]+:\/\//, '').split(':') as [string, string];
    const proxy = new TcpProxy(await freePort(), host, Number(port));
    await new Promise<void>((resolve) => proxy.server.listen(proxy.port, '127.0.0.1', resolve));
    return proxy;
  }

  /** `127.0.0.1:<port>`, to connect to instead of the server. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

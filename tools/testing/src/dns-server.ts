import { once } from 'node:events';
import type { Socket } from 'node:net';
import { Packet, type Resource, TCPServer, UDPServer } from 'dns2';

// Response codes of RFC 1035 §4.1.1 (dns2 has them at runtime but not in its types).
const SERVFAIL = 2;
const NXDOMAIN = 3;

/**
 * A real DNS server on 127.0.0.1 for tests, serving TXT and address records from memory over UDP
 * and, on the same port, TCP: a 3072-bit key's record does not fit in a 512-byte UDP answer, so
 * the resolver retries over TCP exactly as it would against a real name server. Address records
 * can change from one query to the next, as a DNS-rebinding attacker's server does.
 */
export class TestDnsServer {
  readonly #records = new Map<string, string[]>();
  /** name → successive answers (the last one repeats); each answer a list of IPv4/IPv6 addresses. */
  readonly #addresses = new Map<string, string[][]>();
  readonly #addressQueries = new Map<string, number>();
  readonly #failing = new Set<string>();
  readonly #queries = new Map<string, number>();
  readonly #connections = new Set<Socket>();
  #tcpQueries = 0;

  private constructor(
    private readonly udp: InstanceType<typeof UDPServer>,
    private readonly tcp: InstanceType<typeof TCPServer>,
    readonly port: number,
  ) {}

  static async start(): Promise<TestDnsServer> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const udp = new UDPServer({ type: 'udp4' });
      await udp.listen(0, '127.0.0.1');
      const port = udp.address().port;
      const tcp = new TCPServer();
      tcp.listen(port, '127.0.0.1');
      try {
        await once(tcp, 'listening');
      } catch (error) {
        // The UDP port was free but the same TCP port was not: pick another pair.
        udp.close();
        if ((error as { code?: string }).code === 'EADDRINUSE') continue;
        throw error;
      }
      const server = new TestDnsServer(udp, tcp, port);
      server.#serve();
      return server;
    }
    throw new Error('no free UDP+TCP port pair on 127.0.0.1');
  }

  /** `ip:port`, as `createDnsResolver({ servers })` takes it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  publish(name: string, ...records: string[]): void {
    this.#failing.delete(name.toLowerCase());
    this.#records.set(name.toLowerCase(), records);
  }

  /**
   * Answers A/AAAA queries for `name`: the first query of each type gets `answers[0]`, the next
   * `answers[1]`, and so on; the last answer repeats.
   */
  publishAddresses(name: string, ...answers: string[][]): void {
    this.#addresses.set(name.toLowerCase(), answers);
    for (const type of ['A', 'AAAA']) this.#addressQueries.delete(`${type} ${name.toLowerCase()}`);
  }

  unpublish(name: string): void {
    this.#records.delete(name.toLowerCase());
  }

  /** Answer SERVFAIL for `name`, as a broken authoritative server would. */
  failFor(name: string): void {
    this.#failing.add(name.toLowerCase());
  }

  /** Queries that came over TCP (after a truncated UDP answer). */
  get tcpQueries(): number {
    return this.#tcpQueries;
  }

  queriesFor(name: string): number {
    return this.#queries.get(name.toLowerCase()) ?? 0;
  }

  async close(): Promise<void> {
    for (const socket of this.#connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve, reject) => this.tcp.close((error) => (error ? reject(error) : resolve()))),
    ]);
  }

  #serve(): void {
    this.tcp.on('connection', (socket: Socket) => {
      this.#connections.add(socket);
      socket.once('close', () => this.#connections.delete(socket));
    });
    const handle = (request: Packet, send: (response: Packet) => Promise<Buffer>) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = (question?.name ?? '').toLowerCase();
      this.#queries.set(name, (this.#queries.get(name) ?? 0) + 1);
      const records = this.#records.get(name);
      const addresses = this.#addresses.get(name);
      if (this.#failing.has(name)) {
        response.header.rcode = SERVFAIL;
      } else if (addresses && (question?.type === Packet.TYPE.A || question?.type === Packet.TYPE.AAAA)) {
        const type = question.type === Packet.TYPE.A ? 'A' : 'AAAA';
        const key = `${type} ${name}`;
        const n = this.#addressQueries.get(key) ?? 0;
        this.#addressQueries.set(key, n + 1);
        const answer = addresses[Math.min(n, addresses.length - 1)] ?? [];
        for (const address of answer.filter((a) => (type === 'A') === !a.includes(':'))) {
          const record = { name: question.name, type: question.type, class: Packet.CLASS.IN, ttl: 0, address };
          response.answers.push(record as unknown as Resource);
        }
      } else if (records === undefined || question?.type !== Packet.TYPE.TXT) {
        response.header.rcode = NXDOMAIN;
      } else {
        for (const record of records) {
          // A TXT character-string holds at most 255 bytes; longer records travel as several.
          const chunks = record.match(/.{1,255}/g) ?? [''];
          const answer = { name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data: chunks };
          // dns2 encodes plain objects; its types only describe parsed resources.
          response.answers.push(answer as unknown as Resource);
        }
      }
      void send(response);
    };
    this.udp.on('request', handle);
    this.tcp.on('request', (request: Packet, send: (response: Packet) => Promise<Buffer>) => {
      this.#tcpQueries++;
      handle(request, send);
    });
  }
}

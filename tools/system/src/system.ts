import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, type Server, startMongo, startNats } from '@callbacks/infra';
import { connectNats, type NatsConnection, ProfileEventPublisher } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { CallbackServiceClient } from '@callbacks/proto/callbacks/v1/callback_service';
import { formatDkimRecord, keyIdFor } from '@callbacks/signature';
import {
  auth,
  call,
  callbackClient,
  platformKeyRingEnv,
  selfSignedCertificate,
  ServiceProcess,
  type TestCertificate,
  TestDnsServer,
} from '@callbacks/testing';

export const SIGNING_DOMAIN = 'callbacks.localhost';
/** Where `npm run build` puts the console; the config service serves it when it is there. */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../../dist/apps/console', import.meta.url));

export interface SystemOptions {
  /**
   * Servers to use (the system owns them from then on: `close`, or a failed start, closes them);
   * by default a nats-server with JetStream and a MongoDB-wire server of its own.
   */
  infrastructure?: { nats: Server; mongo: Server };
  /** Config service instances (the first on `grpcAddress` and `httpAddress`, others on free ports); 1 by default. */
  configServices?: number;
  matchers?: number;
  dispatchers?: number;
  /** Where the config service serves gRPC; by default a free port on 127.0.0.1. */
  grpcAddress?: string;
  /** Where it serves the same API as HTTP/JSON; by default a free port on 127.0.0.1. */
  httpAddress?: string;
  /** The signing key's selector (its DNS name is `<selector>._domainkey.callbacks.localhost`). */
  selector?: string;
  /** More tokens for the config service besides the system's own (which may touch every account). */
  tokens?: { name: string; token: string; accounts: '*' | string[] }[];
  /** Extra settings for every service. */
  env?: Record<string, string>;
  /**
   * Serve the config service's API over TLS, with a certificate for 127.0.0.1 made here (by the
   * `openssl` command) that the matchers, dispatchers and `client` trust.
   */
  tls?: boolean;
  /** Run the built bundles (`npm run build`) as the images do, rather than the sources through tsx. */
  bundles?: boolean;
  /** Progress while starting. */
  log?: (line: string) => void;
  /** Every line a service writes, as it comes. */
  onServiceOutput?: (app: string, line: string) => void;
  /**
   * Runs once the config service serves and before matchers and dispatchers start, e.g. to
   * create callbacks that their first snapshot should have.
   */
  prepare?: (system: System) => Promise<void>;
}

/**
 * The whole system on this machine, each service its own process as in production: a
 * nats-server with JetStream and a MongoDB-wire server (both stoppable), a DNS server that
 * publishes the signing key as a DKIM-style TXT record, the config service, matchers and
 * dispatchers. The demo, the failure test, the observability tests and the end-to-end
 * benchmark all run it.
 */
export class System {
  readonly publisher: ProfileEventPublisher;
  readonly client: CallbackServiceClient;

  private constructor(
    readonly nats: Server,
    readonly mongo: Server,
    readonly dns: TestDnsServer,
    readonly nc: NatsConnection,
    /** The config service instances; `client`, `address` and `httpUrl` reach the first. */
    readonly configs: ServiceProcess[],
    readonly matchers: ServiceProcess[],
    readonly dispatchers: ServiceProcess[],
    /** A token for every account. */
    readonly token: string,
    /** The config service's gRPC address. */
    readonly address: string,
    /** The config service's HTTP/JSON API (`http://127.0.0.1:8080`, https with `tls`). */
    readonly httpUrl: string,
    /** The signing key (PEM), to check that it never shows up where it should not. */
    readonly signingKeyPem: string,
    /** With `tls`: the certificate the config service serves. */
    private readonly tls: TestCertificate | undefined,
  ) {
    this.client = callbackClient(address, tls?.certPem);
    this.publisher = new ProfileEventPublisher(nc);
  }

  static async start(options: SystemOptions = {}): Promise<System> {
    const log = options.log ?? (() => undefined);
    if (!options.infrastructure)
      log('starting nats-server and the MongoDB-wire server (installed on first run, which takes a minute)...');
    const [{ nats, mongo }, dns] = await Promise.all([
      options.infrastructure ?? Promise.all([startNats(), startMongo()]).then(([nats, mongo]) => ({ nats, mongo })),
      TestDnsServer.start(),
    ]);
    const selector = options.selector ?? 'system';
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dns.publish(keyIdFor(selector, SIGNING_DOMAIN), formatDkimRecord(publicKey));
    const signingKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const token = `system-${randomBytes(12).toString('hex')}`;
    const address = options.grpcAddress ?? `127.0.0.1:${await freePort()}`;
    const httpAddress = options.httpAddress ?? `127.0.0.1:${await freePort()}`;
    const ring = JSON.stringify({
      keys: [
        {
          selector,
          domain: SIGNING_DOMAIN,
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          privateKeyEnv: 'SYSTEM_SIGNING_KEY',
        },
      ],
    });
    const tls = options.tls ? selfSignedCertificate() : undefined;
    const tlsEnv: Record<string, string> = tls
      ? { CONFIG_TLS_CERT_FILE: tls.certFile, CONFIG_TLS_KEY_FILE: tls.keyFile }
      : {};
    const common = {
      NATS_URL: nats.url,
      SIGNING_KEY_RING: ring,
      SYSTEM_SIGNING_KEY: signingKeyPem,
      // The platform key ring that seals per-callback secrets: shared by the config services and dispatchers.
      ...platformKeyRingEnv(),
      LOG_LEVEL: 'info',
      ...tlsEnv,
      ...options.env,
    };
    const service = (app: string, env: Record<string, string>, ready: RegExp) =>
      new ServiceProcess(
        app,
        { ...common, ...env },
        ready,
        options.onServiceOutput && ((line) => options.onServiceOutput?.(app, line)),
        { bundle: options.bundles ?? false },
      );
    // The first config service on the addresses above; any others on free ports of their own.
    const extraAddresses = await Promise.all(
      Array.from({ length: (options.configServices ?? 1) - 1 }, async () => ({
        grpc: `127.0.0.1:${await freePort()}`,
        http: `127.0.0.1:${await freePort()}`,
      })),
    );
    const configs = [{ grpc: address, http: httpAddress }, ...extraAddresses].map((addresses) =>
      service(
        'config-service',
        {
          CONFIG_GRPC_ADDR: addresses.grpc,
          CONFIG_HTTP_ADDR: addresses.http,
          MONGO_URL: mongo.url,
          CONFIG_TOKENS: JSON.stringify(
            [{ name: 'system', token, accounts: '*' as const }, ...(options.tokens ?? [])].map((t) => ({
              name: t.name,
              sha256: createHash('sha256').update(t.token).digest('hex'),
              accounts: t.accounts,
            })),
          ),
          ...(existsSync(`${CONSOLE_BUILD_DIR}/index.html`) ? { CONFIG_CONSOLE_DIR: CONSOLE_BUILD_DIR } : {}),
          CONFIG_ALLOW_HTTP_URLS: 'true',
          CONFIG_ALLOW_CIDRS: '127.0.0.1/32',
        },
        /database ready; serving/,
      ),
    );
    const matchers = Array.from({ length: options.matchers ?? 1 }, () =>
      service('matcher', {}, /matcher consuming events/),
    );
    const dispatchers = Array.from({ length: options.dispatchers ?? 1 }, () =>
      service('dispatcher', { DISPATCHER_ALLOW_CIDRS: '127.0.0.1/32' }, /dispatcher consuming delivery jobs/),
    );
    let system: System | undefined;
    try {
      log('starting the config service...');
      await Promise.all(configs.map((config) => config.start()));
      // A cluster's URL lists every node, comma-separated, as the services take it.
      const nc = await connectNats({ servers: nats.url.split(','), name: 'system' });
      const httpUrl = `${tls ? 'https' : 'http'}://${httpAddress}`;
      system = new System(
        nats,
        mongo,
        dns,
        nc,
        configs,
        matchers,
        dispatchers,
        token,
        address,
        httpUrl,
        signingKeyPem,
        tls,
      );
      await options.prepare?.(system);
      log('starting the matchers and dispatchers...');
      await Promise.all([...matchers, ...dispatchers].map((p) => p.start()));
      return system;
    } catch (error) {
      // Nothing it started outlives a failed start.
      await (system?.close() ?? stopAll(configs, [...matchers, ...dispatchers], [nats, mongo, dns]));
      tls?.remove();
      throw error;
    }
  }

  async createCallback(callback: Callback): Promise<Callback> {
    const { callback: created } = await call(
      this.client.createCallback.bind(this.client),
      { callback },
      auth(this.token),
    );
    if (!created) throw new Error('CreateCallback answered without a callback');
    return created;
  }

  /** The first config service (the one `client`, `address` and `httpUrl` reach). */
  get config(): ServiceProcess {
    return first(this.configs, 'config service');
  }

  /** The first matcher. */
  get matcher(): ServiceProcess {
    return first(this.matchers, 'matcher');
  }

  /** The first dispatcher. */
  get dispatcher(): ServiceProcess {
    return first(this.dispatchers, 'dispatcher');
  }

  /** The port a service serves its metrics on (it logs it once listening; needs METRICS_ADDR). */
  async metricsPort(service: ServiceProcess): Promise<number> {
    const line = await service.waitFor(/serving metrics/);
    return (JSON.parse(line) as { metrics_port: number }).metrics_port;
  }

  /** Every line the services wrote so far. */
  output(): string[] {
    return [...this.configs, ...this.matchers, ...this.dispatchers].flatMap((p) => p.output);
  }

  async close(): Promise<void> {
    this.client.close();
    await this.nc.close().catch(() => undefined);
    await stopAll(this.configs, [...this.matchers, ...this.dispatchers], [this.nats, this.mongo, this.dns]);
    this.tls?.remove();
  }
}

/** Stops the services (matchers and dispatchers before the config services), then the servers. */
async function stopAll(
  configs: ServiceProcess[],
  others: ServiceProcess[],
  servers: { close(): Promise<void> }[],
): Promise<void> {
  await Promise.all(others.map((p) => p.stop()));
  await Promise.all(configs.map((p) => p.stop()));
  await Promise.all(servers.map((server) => server.close()));
}

function first(services: ServiceProcess[], app: string): ServiceProcess {
  const [service] = services;
  if (!service) throw new Error(`this system runs no ${app}`);
  return service;
}

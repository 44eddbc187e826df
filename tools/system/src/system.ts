import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { freePort, startMongo, startNats, type Server } from '@callbacks/infra';
import { ProfileEventPublisher, connectNats, type NatsConnection } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { CallbackServiceClient } from '@callbacks/proto/callbacks/v1/callback_service';
import { formatDkimRecord, keyIdFor } from '@callbacks/signature';
import { ServiceProcess, TestDnsServer, auth, call, callbackClient } from '@callbacks/testing';

export const SIGNING_DOMAIN = 'callbacks.localhost';
const SELECTOR = 'system';

export interface SystemOptions {
  matchers?: number;
  dispatchers?: number;
  /** Extra settings for every service. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

/**
 * The whole system on this machine, each service its own process as in production: a
 * nats-server with JetStream and a MongoDB-wire server (both stoppable), a DNS server that
 * publishes the signing key, the config service, matchers and dispatchers.
 */
export class System {
  private constructor(
    readonly nats: Server,
    readonly mongo: Server,
    readonly dns: TestDnsServer,
    readonly nc: NatsConnection,
    readonly config: ServiceProcess,
    readonly matchers: ServiceProcess[],
    readonly dispatchers: ServiceProcess[],
    readonly client: CallbackServiceClient,
    readonly publisher: ProfileEventPublisher,
    readonly token: string,
    /** The config service's gRPC address. */
    readonly address: string,
  ) {}

  static async start(options: SystemOptions = {}): Promise<System> {
    const log = options.log ?? (() => undefined);
    log('starting nats-server and the MongoDB-wire server...');
    const [nats, mongo, dns] = await Promise.all([startNats(), startMongo(), TestDnsServer.start()]);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dns.publish(keyIdFor(SELECTOR, SIGNING_DOMAIN), formatDkimRecord(publicKey));
    const token = `system-${randomBytes(12).toString('hex')}`;
    const address = `127.0.0.1:${await freePort()}`;
    const ring = JSON.stringify({
      keys: [
        {
          selector: SELECTOR,
          domain: SIGNING_DOMAIN,
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validUntil: new Date(Date.now() + 86_400_000).toISOString(),
          privateKeyEnv: 'SYSTEM_SIGNING_KEY',
        },
      ],
    });
    const common = {
      NATS_URL: nats.url,
      SIGNING_KEY_RING: ring,
      SYSTEM_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const config = new ServiceProcess(
      'config-service',
      {
        ...common,
        CONFIG_GRPC_ADDR: address,
        MONGO_URL: mongo.url,
        CONFIG_TOKENS: JSON.stringify([{ name: 'system', sha256: createHash('sha256').update(token).digest('hex'), accounts: '*' }]),
        CONFIG_ALLOW_HTTP_URLS: 'true',
      },
      /database ready; serving/,
    );
    const matchers = Array.from(
      { length: options.matchers ?? 1 },
      () =>
        new ServiceProcess(
          'matcher',
          { ...common, MATCHER_CONFIG_SERVICE_ADDR: address, MATCHER_CONFIG_SERVICE_TOKEN: token },
          /matcher consuming events/,
        ),
    );
    const dispatchers = Array.from(
      { length: options.dispatchers ?? 1 },
      () =>
        new ServiceProcess(
          'dispatcher',
          { ...common, DISPATCHER_CONFIG_SERVICE_ADDR: address, DISPATCHER_CONFIG_SERVICE_TOKEN: token, DISPATCHER_ALLOW_CIDRS: '127.0.0.1/32' },
          /dispatcher consuming delivery jobs/,
        ),
    );
    log('starting the config service, matchers and dispatchers...');
    await config.start();
    await Promise.all([...matchers, ...dispatchers].map((p) => p.start()));
    const nc = await connectNats({ servers: [nats.url], name: 'system' });
    return new System(nats, mongo, dns, nc, config, matchers, dispatchers, callbackClient(address), new ProfileEventPublisher(nc), token, address);
  }

  async createCallback(callback: Callback): Promise<Callback> {
    const { callback: created } = await call(this.client.createCallback.bind(this.client), { callback }, auth(this.token));
    if (!created) throw new Error('CreateCallback answered without a callback');
    return created;
  }

  async close(): Promise<void> {
    this.client.close();
    await this.nc.close().catch(() => undefined);
    await Promise.all([...this.matchers, ...this.dispatchers].map((p) => p.stop()));
    await this.config.stop();
    await Promise.all([this.nats.close(), this.mongo.close(), this.dns.close()]);
  }
}

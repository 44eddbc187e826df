import { generateKeyPairSync } from 'node:crypto';
import { startNats, type Server } from '@callbacks/infra';
import { connectNats, type NatsConnection } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { ServiceProcess, auth, call, startConfigServiceProcess, type ConfigServiceUnderTest } from '@callbacks/testing';

/** A signing key ring of one key, as the dispatchers (and TestCallback) load it from the environment. */
export interface SigningKeys {
  privateKeyPem: string;
  env: Record<string, string>;
}

export function signingKeys(): SigningKeys {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const now = Date.now();
  const ring = {
    keys: [
      {
        selector: 'e2e',
        domain: 'callbacks.test',
        validFrom: new Date(now - 86_400_000).toISOString(),
        validUntil: new Date(now + 86_400_000).toISOString(),
        privateKeyEnv: 'E2E_SIGNING_KEY',
      },
    ],
  };
  return { privateKeyPem, env: { SIGNING_KEY_RING: JSON.stringify(ring), E2E_SIGNING_KEY: privateKeyPem } };
}

/** The three services as processes, on their own nats-server and a fresh database. */
export interface System {
  nats: Server;
  /** A client connection for the test (publishing events, reading streams). */
  nc: NatsConnection;
  config: ConfigServiceUnderTest;
  matcher: ServiceProcess;
  dispatcher: ServiceProcess;
  keys: SigningKeys;
  createCallback(callback: Callback): Promise<Callback>;
  /** The port a service serves its metrics on (it logs it once listening). */
  metricsPort(service: ServiceProcess): Promise<number>;
  /** Every line the three services wrote, standard output and error. */
  output(): string[];
  close(): Promise<void>;
}

/**
 * Starts NATS, the config service, then (after `prepare`, e.g. creating callbacks, so that the
 * matcher's first snapshot has them) the matcher and the dispatcher. `env` goes to all three.
 */
export async function startSystem(options: {
  mongoUrl: string;
  env?: Record<string, string>;
  prepare?: (createCallback: System['createCallback']) => Promise<void>;
}): Promise<System> {
  const env = options.env ?? {};
  const nats = await startNats();
  const keys = signingKeys();
  const config = await startConfigServiceProcess({ mongoUrl: options.mongoUrl, natsUrl: nats.url, env: { ...keys.env, CONFIG_ALLOW_CIDRS: '127.0.0.1/32', ...env } });
  const createCallback = async (callback: Callback) => {
    const { callback: created } = await call(config.client.createCallback.bind(config.client), { callback }, auth(config.adminToken));
    if (!created) throw new Error('CreateCallback answered without the callback');
    return created;
  };
  await options.prepare?.(createCallback);

  const matcher = new ServiceProcess(
    'matcher',
    { NATS_URL: nats.url, MATCHER_CONFIG_SERVICE_ADDR: config.address, MATCHER_CONFIG_SERVICE_TOKEN: config.adminToken, ...env },
    /matcher consuming events/,
  );
  const dispatcher = new ServiceProcess(
    'dispatcher',
    {
      NATS_URL: nats.url,
      DISPATCHER_CONFIG_SERVICE_ADDR: config.address,
      DISPATCHER_CONFIG_SERVICE_TOKEN: config.adminToken,
      DISPATCHER_ALLOW_CIDRS: '127.0.0.1/32',
      DISPATCHER_RETRY_SCHEDULE: '1s',
      DISPATCHER_RETRY_JITTER: '0',
      ...keys.env,
      ...env,
    },
    /dispatcher consuming delivery jobs/,
  );
  await matcher.start();
  await dispatcher.start();
  const nc = await connectNats({ servers: [nats.url], name: 'observability-test' });

  return {
    nats,
    nc,
    config,
    matcher,
    dispatcher,
    keys,
    createCallback,
    async metricsPort(service) {
      const line = await service.waitFor(/serving metrics/);
      return (JSON.parse(line) as { metrics_port: number }).metrics_port;
    },
    output: () => [...config.process.output, ...matcher.output, ...dispatcher.output],
    async close() {
      await Promise.all([dispatcher.stop(), matcher.stop()]);
      await config.close();
      await nc.close();
      await nats.close();
    },
  };
}

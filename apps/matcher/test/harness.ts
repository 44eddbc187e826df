import { type Server, startNats } from '@callbacks/infra';
import type {} from '@callbacks/infra/vitest-global-setup';
import { createLogger } from '@callbacks/logger';
import { connectNats, type NatsConnection, ProfileEventPublisher, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import {
  auth,
  call,
  type ConfigServiceUnderTest,
  countMessages,
  readStream,
  startConfigServiceProcess,
  TcpProxy,
  waitForConsumerIdle,
} from '@callbacks/testing';
import { type RunningMatcher, startMatcher } from '../src/app';
import { loadMatcherSettings } from '../src/config';
import { MATCHER_CONSUMER } from '../src/events/event-consumer';

/**
 * A matcher test world: its own nats-server (the matcher owns fixed stream names, the config
 * service a fixed bucket), the config service as a process on the given MongoDB-wire server,
 * and a client connection.
 */
export interface World {
  nats: Server;
  nc: NatsConnection;
  config: ConfigServiceUnderTest;
  /** Between the config service and NATS, when asked for. */
  configProxy: TcpProxy | undefined;
  publisher: ProfileEventPublisher;
  matcherEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startWorld(
  mongoUrl: string,
  options: { configEnv?: Record<string, string>; proxyConfigService?: boolean } = {},
): Promise<World> {
  const nats = await startNats();
  // Through a proxy, the config service can be cut off from NATS while everything else runs on.
  const configProxy = options.proxyConfigService ? await TcpProxy.start(nats.url) : undefined;
  const natsUrl = configProxy ? `nats://${configProxy.address}` : nats.url;
  const config = await startConfigServiceProcess({ mongoUrl, natsUrl, env: options.configEnv });
  const nc = await connectNats({ servers: [nats.url], name: 'matcher-test' });
  return {
    nats,
    nc,
    config,
    configProxy,
    publisher: new ProfileEventPublisher(nc),
    matcherEnv: {
      NATS_URL: nats.url,
      LOG_LEVEL: 'warn',
    },
    async close() {
      await nc.close();
      await config.close();
      await configProxy?.close();
      await nats.close();
    },
  };
}

/** A matcher in this process, so tests can look at its index. */
export async function startInProcessMatcher(world: World, env: Record<string, string> = {}): Promise<RunningMatcher> {
  const settings = loadMatcherSettings({ ...world.matcherEnv, ...env });
  return startMatcher(settings, createLogger({ service: 'matcher-test', level: 'silent' }));
}

export async function createCallback(world: World, callback: Callback): Promise<Callback> {
  const { callback: created } = await call(
    world.config.client.createCallback.bind(world.config.client),
    { callback },
    auth(world.config.adminToken),
  );
  return created!;
}

export async function waitForMatcherIdle(world: World, timeoutMs?: number): Promise<void> {
  await waitForConsumerIdle(world.nc, STREAMS.events.name, MATCHER_CONSUMER, timeoutMs);
}

/** Every delivery job in the stream (after the matcher is idle), decoded, with its headers. */
export async function allJobs(world: World): Promise<{ job: DeliveryJob; matchedBy: string; seq: number }[]> {
  const count = await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allDeliveryJobs);
  if (count === 0) return [];
  const messages = await readStream(world.nc, STREAMS.deliveries.name, SUBJECTS.allDeliveryJobs, count);
  return messages.map((m) => ({
    job: DeliveryJob.decode(m.data),
    matchedBy: m.headers?.get('Callbacks-Matched-By') ?? '',
    seq: m.seq,
  }));
}

/** Waits until `predicate` holds (a state the matcher reaches on its own, with no event to await). */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

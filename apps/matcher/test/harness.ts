import type {} from '@callbacks/infra/vitest-global-setup';
import { startNats, type Server } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import { ProfileEventPublisher, STREAMS, SUBJECTS, connectNats, type NatsConnection } from '@callbacks/messaging';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import {
  auth,
  call,
  countMessages,
  readStream,
  startConfigServiceProcess,
  waitForConsumerIdle,
  type ConfigServiceUnderTest,
} from '@callbacks/testing';
import { startMatcher, type RunningMatcher } from '../src/app';
import { loadMatcherSettings } from '../src/config';
import { MATCHER_CONSUMER } from '../src/events/event-consumer';

/**
 * A matcher test world: its own nats-server (the matcher owns fixed stream names), the config
 * service as a process on the shared MongoDB-wire server, and a client connection.
 */
export interface World {
  nats: Server;
  nc: NatsConnection;
  config: ConfigServiceUnderTest;
  publisher: ProfileEventPublisher;
  matcherEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startWorld(mongoUrl: string): Promise<World> {
  const nats = await startNats();
  const config = await startConfigServiceProcess({ mongoUrl, natsUrl: nats.url });
  const nc = await connectNats({ servers: [nats.url], name: 'matcher-test' });
  return {
    nats,
    nc,
    config,
    publisher: new ProfileEventPublisher(nc),
    matcherEnv: {
      NATS_URL: nats.url,
      MATCHER_CONFIG_SERVICE_ADDR: config.address,
      MATCHER_CONFIG_SERVICE_TOKEN: config.adminToken,
      // Only change notices can explain a change seen before this.
      MATCHER_RESYNC_INTERVAL: '1h',
      LOG_LEVEL: 'warn',
    },
    async close() {
      await nc.close();
      await config.close();
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
  const { callback: created } = await call(world.config.client.createCallback.bind(world.config.client), { callback }, auth(world.config.adminToken));
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

/** Waits until `predicate` holds, checking after every change notice would have had a chance to land. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

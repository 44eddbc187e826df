import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { type Server, startNats } from '@callbacks/infra';
import type {} from '@callbacks/infra/vitest-global-setup';
import { createLogger } from '@callbacks/logger';
import {
  AckedPublisher,
  connectNats,
  ensureStream,
  type NatsConnection,
  partitionOf,
  publishDeliveryJob,
  type PublishTracing,
  STREAMS,
  SUBJECTS,
} from '@callbacks/messaging';
import {
  AttemptResult,
  type CallbackTarget,
  DeliveryJob,
  Outcome,
} from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { Format, Ordering, SignatureScheme } from '@callbacks/proto/callbacks/v1/callback';
import { createDnsResolver, createVerifier, formatDkimRecord, keyIdFor, type Verifier } from '@callbacks/signature';
import { countMessages, platformKeyRingEnv, readStream, sampleEvent, TestDnsServer } from '@callbacks/testing';
import { type RunningDispatcher, startDispatcher } from '../src/app';
import { loadDispatcherSettings } from '../src/config';
import type { ReadyJob } from '../src/delivery/job';

export const SIGNING_DOMAIN = 'callbacks.test';
export const SELECTOR = 'test-key';

/** nats-server, a DNS server publishing the signing key, the key ring, and a job publisher. */
export interface World {
  nats: Server;
  nc: NatsConnection;
  dns: TestDnsServer;
  publisher: AckedPublisher;
  /** Settings a dispatcher of this world starts with (tests add their own). */
  env: Record<string, string>;
  verifier(accountId: string): Verifier;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const nats = await startNats();
  const nc = await connectNats({ servers: [nats.url], name: 'dispatcher-test' });
  const dns = await TestDnsServer.start();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  dns.publish(keyIdFor(SELECTOR, SIGNING_DOMAIN), formatDkimRecord(publicKey));
  const now = Date.now();
  const ring = {
    keys: [
      {
        selector: SELECTOR,
        domain: SIGNING_DOMAIN,
        validFrom: new Date(now - 86_400_000).toISOString(),
        validUntil: new Date(now + 86_400_000).toISOString(),
        privateKeyEnv: 'TEST_SIGNING_KEY',
      },
    ],
  };
  // The streams exist before any job is published (the matcher or dispatcher would create them).
  const week = 7 * 86_400_000;
  await ensureStream(nc, 'deliveries', { replicas: 1, maxAgeMs: 8 * 86_400_000, duplicateWindowMs: 120_000 });
  await ensureStream(nc, 'results', { replicas: 1, maxAgeMs: week, duplicateWindowMs: 120_000 });
  await ensureStream(nc, 'ordered', { replicas: 1, maxAgeMs: 8 * 86_400_000, duplicateWindowMs: 120_000 });
  await ensureStream(nc, 'turns', { replicas: 1, maxAgeMs: 8 * 86_400_000, duplicateWindowMs: 120_000 });
  const publisher = new AckedPublisher(nc);
  return {
    nats,
    nc,
    dns,
    publisher,
    env: {
      NATS_URL: nats.url,
      DISPATCHER_ALLOW_CIDRS: '127.0.0.1/32',
      DISPATCHER_DNS_SERVERS: dns.address,
      DISPATCHER_RETRY_SCHEDULE: '1s,1s',
      DISPATCHER_RETRY_JITTER: '0',
      SIGNING_KEY_RING: JSON.stringify(ring),
      TEST_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      LOG_LEVEL: 'silent',
      ...platformKeyRingEnv(),
    },
    verifier: (accountId) =>
      createVerifier({
        accountId,
        allowedDomains: [SIGNING_DOMAIN],
        resolver: createDnsResolver({ servers: [dns.address] }),
      }),
    async close() {
      publisher.close();
      await nc.close();
      await dns.close();
      await nats.close();
    },
  };
}

export async function startInProcessDispatcher(
  world: World,
  env: Record<string, string> = {},
): Promise<RunningDispatcher> {
  const settings = loadDispatcherSettings({ ...world.env, ...env });
  return startDispatcher(settings, createLogger({ service: 'dispatcher-test', level: 'silent' }));
}

export function target(url: string, overrides: Partial<CallbackTarget> = {}): CallbackTarget {
  return {
    id: `cb_${randomBytes(6).toString('hex')}`,
    accountId: 'acct-a',
    databaseId: 'db-1',
    collectionId: '',
    url,
    format: Format.JSON,
    deliveryPolicy: undefined,
    revision: 1,
    ordering: Ordering.NONE,
    signatureScheme: SignatureScheme.UNSPECIFIED,
    sealedSecrets: [],
    ...overrides,
  };
}

/** A first-attempt job, as the matcher emits it. */
export function job(callback: CallbackTarget, overrides: Partial<DeliveryJob> = {}): ReadyJob {
  return {
    deliveryId: `dl_${randomBytes(16).toString('hex')}`,
    callback,
    event: sampleEvent(),
    attempt: 1,
    matchedAt: new Date(),
    replayOf: '',
    skipped: false,
    sequence: 0,
    ...overrides,
  } as ReadyJob;
}

export async function publishJob(world: World, j: ReadyJob): Promise<void> {
  const h = natsHeaders();
  h.set('Content-Type', 'application/protobuf');
  await world.publisher.publish(
    SUBJECTS.deliveryJob(j.callback.accountId, j.callback.id),
    DeliveryJob.encode(j).finish(),
    {
      msgId: j.deliveryId,
      headers: h,
    },
  );
}

/** Queues a job as the matcher does: an ordered callback's in its profile's line. */
export async function queueJob(world: World, j: ReadyJob): Promise<void> {
  await publishDeliveryJob(world.publisher, NO_TRACING, {
    deliveryId: j.deliveryId,
    accountId: j.callback.accountId,
    callbackId: j.callback.id,
    data: DeliveryJob.encode(j).finish(),
    partition: partitionOf(j.callback, j.event),
  });
}

const NO_TRACING: PublishTracing = { publish: (_message, send) => send() };

/**
 * The attempt results of these deliveries, waiting until `until` holds for them (e.g. every
 * delivery has a final outcome). Reads the results stream, which is what the delivery log reads.
 */
export async function resultsFor(
  world: World,
  deliveryIds: readonly string[],
  until: (results: AttemptResult[]) => boolean,
  timeoutMs = 60_000,
): Promise<AttemptResult[]> {
  const wanted = new Set(deliveryIds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = await countMessages(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults);
    const all =
      total === 0
        ? []
        : (await readStream(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults, total)).map((m) =>
            AttemptResult.decode(m.data),
          );
    const mine = all.filter((r) => wanted.has(r.deliveryId));
    if (until(mine)) return mine;
    if (Date.now() > deadline) {
      throw new Error(
        `results not as expected after ${timeoutMs} ms: ${JSON.stringify(mine.map((r) => [r.deliveryId.slice(0, 10), r.attempt, Outcome[r.outcome], r.errorClass, r.statusCode]))}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const FINAL = new Set([Outcome.SUCCEEDED, Outcome.DEAD, Outcome.GONE, Outcome.SKIPPED]);

/** Every delivery has a final outcome. */
export const allFinal = (ids: readonly string[]) => (results: AttemptResult[]) =>
  ids.every((id) => results.some((r) => r.deliveryId === id && FINAL.has(r.outcome)));

/** Every delivery has at least `n` results. */
export const atLeast = (ids: readonly string[], n: number) => (results: AttemptResult[]) =>
  ids.every((id) => results.filter((r) => r.deliveryId === id).length >= n);

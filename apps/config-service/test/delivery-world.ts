import type { Metadata } from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { deliveryIdFor } from '@callbacks/domain';
import { type Server, startNats } from '@callbacks/infra';
import { connectNats, ensureStream, type NatsConnection, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { AttemptResult, DeliveryJob, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { Delivery } from '@callbacks/proto/callbacks/v1/delivery';
import {
  auth,
  call,
  countMessages,
  readStream,
  sampleCallback,
  sampleEvent,
  waitForConsumerIdle,
} from '@callbacks/testing';
import { DELIVERY_LOG_CONSUMER } from '../src/nats/attempt-result-consumer';
import { type Harness, startHarness, TOKENS } from './harness';

/** Calls as the tokens of the harness: account A, account B. */
export const A = auth(TOKENS.accountA);
export const B = auth(TOKENS.accountB);

/**
 * A delivery log test world: its own nats-server (the service owns fixed stream and consumer
 * names), the config service in-process on the shared MongoDB-wire server, and a connection
 * that plays the dispatcher: it publishes attempt results and reads the delivery jobs of replays.
 */
export interface DeliveryWorld {
  h: Harness;
  nc: NatsConnection;
  /** For another config service instance on the same streams. */
  natsUrl: string;
  /** Creates a sample callback (account A's unless said otherwise). */
  createCallback(overrides?: Partial<Callback>, metadata?: Metadata): Promise<Callback>;
  getDelivery(id: string, metadata?: Metadata): Promise<Delivery>;
  /** Publishes as the dispatcher does (`Nats-Msg-Id: <delivery>.<attempt>.<outcome>`), or with the given id. */
  publishResult(result: AttemptResult, msgId?: string): Promise<void>;
  /** Raw bytes on a results subject. */
  publishRaw(subject: string, data: Uint8Array): Promise<void>;
  /** Waits until the service has recorded everything published so far. */
  recorded(): Promise<void>;
  /** The delivery jobs queued for a callback, oldest first, with their `Nats-Msg-Id`. */
  jobs(callback: Callback): Promise<{ job: DeliveryJob; msgId: string }[]>;
  close(): Promise<void>;
}

const DAY = 86_400_000;

export async function startDeliveryWorld(mongoUrl: string, env: Record<string, string> = {}): Promise<DeliveryWorld> {
  const nats: Server = await startNats();
  const nc = await connectNats({ servers: [nats.url], name: 'delivery-log-test' });
  // What the dispatcher and the matcher create: results to publish to, deliveries to read replays from.
  await ensureStream(nc, 'results', { replicas: 1, maxAgeMs: 7 * DAY, duplicateWindowMs: 7_200_000 });
  await ensureStream(nc, 'deliveries', { replicas: 1, maxAgeMs: 8 * DAY, duplicateWindowMs: 7_200_000 });
  const h = await startHarness({ mongoUrl, natsUrl: nats.url, env });
  const js = jetstream(nc);
  return {
    h,
    nc,
    natsUrl: nats.url,
    async createCallback(overrides = {}, metadata = A) {
      const { callback } = await call(
        h.client.createCallback.bind(h.client),
        { callback: sampleCallback(overrides) },
        metadata,
      );
      return callback!;
    },
    async getDelivery(id, metadata = A) {
      const { delivery } = await call(h.client.getDelivery.bind(h.client), { id }, metadata);
      return delivery!;
    },
    async publishResult(result, msgId) {
      await js.publish(
        SUBJECTS.attemptResult(result.accountId, result.callbackId),
        AttemptResult.encode(result).finish(),
        {
          msgID: msgId ?? `${result.deliveryId}.${result.attempt}.${result.outcome}`,
        },
      );
    },
    async publishRaw(subject, data) {
      await js.publish(subject, data);
    },
    recorded: () => waitForConsumerIdle(nc, STREAMS.results.name, DELIVERY_LOG_CONSUMER),
    async jobs(callback) {
      const subject = SUBJECTS.deliveryJob(callback.accountId, callback.id);
      const count = await countMessages(nc, STREAMS.deliveries.name, subject);
      if (count === 0) return [];
      const messages = await readStream(nc, STREAMS.deliveries.name, subject, count);
      return messages.map((m) => ({ job: DeliveryJob.decode(m.data), msgId: m.headers?.get('Nats-Msg-Id') ?? '' }));
    },
    async close() {
      await h.close();
      await nc.close();
      await nats.close();
    },
  };
}

/**
 * The result of one attempt of delivering `event` to `callback`, as the dispatcher reports it:
 * by default the first attempt, failed for good with HTTP 503.
 */
export function attemptResult(
  callback: Callback,
  event: ProfileEvent = sampleEvent(),
  overrides: Partial<AttemptResult> = {},
): AttemptResult {
  const startedAt = overrides.startedAt ?? new Date();
  return AttemptResult.fromPartial({
    deliveryId: deliveryIdFor(event.eventId, callback.id),
    accountId: callback.accountId,
    callbackId: callback.id,
    eventId: event.eventId,
    attempt: 1,
    outcome: Outcome.DEAD,
    startedAt,
    duration: { seconds: 0, nanos: 120_000_000 },
    statusCode: 503,
    errorClass: 'http_status',
    errorMessage: 'the receiver answered 503',
    responseExcerpt: 'down for maintenance',
    matchedAt: startedAt,
    callbackRevision: callback.revision,
    event,
    ...overrides,
  });
}

/** Something that succeeded: no error, HTTP 200. */
export const SUCCESS: Partial<AttemptResult> = {
  outcome: Outcome.SUCCEEDED,
  statusCode: 200,
  errorClass: '',
  errorMessage: '',
  responseExcerpt: 'ok',
};

import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryTransient } from './jetstream-retry';
import { SUBJECTS } from './subjects';

/** Settings a deployment tunes per stream (replicas on a cluster, retention, dedupe window). */
export interface StreamSettings {
  replicas: number;
  maxAgeMs: number;
  /** How long JetStream remembers `Nats-Msg-Id`s to drop duplicates. */
  duplicateWindowMs: number;
}

const ms = (n: number) => n * 1_000_000; // JetStream durations are nanoseconds

/**
 * The largest profile event (body and headers) the events stream takes; a larger one is refused
 * to its publisher. An event travels on inside larger messages: a delivery job (with the
 * callback's settings), a retry, an attempt result (with up to 64 KiB of response excerpt), a
 * dead letter (with its reason). Each of those must still fit NATS's max_payload (1 MiB by
 * default), or the matcher could neither hand the event on nor dead-letter it, and it would come
 * back forever.
 */
export const MAX_EVENT_BYTES = 896 * 1024;

/** The streams and what they hold. Names are fixed; subjects come from SUBJECTS. */
export const STREAMS = {
  events: { name: 'CALLBACK_EVENTS', subjects: [SUBJECTS.allEvents], max_msg_size: MAX_EVENT_BYTES },
  deliveries: {
    name: 'CALLBACK_DELIVERIES',
    // Retry schedules must live in the stream they publish into (ADR-51).
    subjects: [SUBJECTS.allDeliveryJobs, SUBJECTS.allRetrySchedules],
    allow_msg_schedules: true,
  },
  results: { name: 'CALLBACK_RESULTS', subjects: [SUBJECTS.allAttemptResults] },
  deadLetters: { name: 'CALLBACK_DEAD_LETTERS', subjects: [SUBJECTS.allDeadLetters] },
} as const satisfies Record<string, Partial<StreamConfig> & { name: string }>;

export type StreamName = keyof typeof STREAMS;

/**
 * Creates the stream, or updates it to the wanted settings: idempotent, so every instance of a
 * service can call it at start-up. Repeated while JetStream is briefly unavailable (a cluster
 * electing a leader, replicated streams created under load).
 */
export function ensureStream(nc: NatsConnection | JetStreamManager, stream: StreamName, settings: StreamSettings): Promise<void> {
  return retryTransient(() => ensureStreamOnce(nc, stream, settings));
}

async function ensureStreamOnce(nc: NatsConnection | JetStreamManager, stream: StreamName, settings: StreamSettings): Promise<void> {
  const jsm = 'streams' in nc ? nc : await jetstreamManager(nc);
  const config = {
    ...STREAMS[stream],
    subjects: [...STREAMS[stream].subjects],
    storage: 'file',
    retention: 'limits',
    num_replicas: settings.replicas,
    max_age: ms(settings.maxAgeMs),
    duplicate_window: ms(settings.duplicateWindowMs),
  } as Partial<StreamConfig> & { name: string };
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    try {
      await jsm.streams.add(config);
      return;
    } catch (addError) {
      // Another instance created it first: fall through to the update.
      if (!/already in use/i.test(String((addError as Error).message))) throw addError;
    }
  }
  await jsm.streams.update(config.name, config);
}

/**
 * Creates a durable pull consumer, or updates it to the wanted settings; idempotent, so every
 * instance of a service can call it and then share the consumer. Repeated as `ensureStream` is.
 */
export function ensureConsumer(
  nc: NatsConnection | JetStreamManager,
  stream: StreamName,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  return retryTransient(() => ensureConsumerOnce(nc, stream, config));
}

async function ensureConsumerOnce(
  nc: NatsConnection | JetStreamManager,
  stream: StreamName,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const jsm = 'streams' in nc ? nc : await jetstreamManager(nc);
  const name = STREAMS[stream].name;
  const wanted = { ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ...config };
  try {
    await jsm.consumers.info(name, config.durable_name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
    try {
      await jsm.consumers.add(name, wanted);
      return;
    } catch (addError) {
      if (!/already exists|already in use/i.test(String((addError as Error).message))) throw addError;
    }
  }
  const { deliver_policy: _deliver, ...updatable } = wanted;
  await jsm.consumers.update(name, config.durable_name, updatable);
}

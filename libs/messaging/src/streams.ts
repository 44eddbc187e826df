import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryTransient } from './jetstream-retry';
import { nanos, STREAM_OWNERS, type StreamService } from './stream-settings';
import { SUBJECTS } from './subjects';

/** Settings a deployment tunes per stream (replicas on a cluster, retention, dedupe window). */
export interface StreamSettings {
  replicas: number;
  maxAgeMs: number;
  /** How long JetStream remembers `Nats-Msg-Id`s to drop duplicates. */
  duplicateWindowMs: number;
}

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
  // Ordered callbacks' jobs, kept until settled: the dispatcher deletes a job once it succeeded,
  // turned dead or gone. Direct gets read a partition's first job from any replica.
  ordered: { name: 'CALLBACK_ORDERED', subjects: [SUBJECTS.allOrderedJobs], allow_direct: true },
  // One turn per partition at most (a second replaces the first: the dispatcher passes a turn
  // on with a compare-and-set on its sequence); a work queue, so an acknowledged turn is gone.
  turns: {
    name: 'CALLBACK_TURNS',
    subjects: [SUBJECTS.allTurns],
    retention: 'workqueue',
    max_msgs_per_subject: 1,
  },
  results: { name: 'CALLBACK_RESULTS', subjects: [SUBJECTS.allAttemptResults] },
  deadLetters: { name: 'CALLBACK_DEAD_LETTERS', subjects: [SUBJECTS.allDeadLetters] },
} as const satisfies Record<string, Partial<StreamConfig> & { name: string }>;

export type StreamName = keyof typeof STREAMS;

/**
 * Creates the stream if it is missing, and lets its owner (STREAM_OWNERS) update it to the wanted
 * settings: idempotent, so every instance of every service can call it at start-up. Another
 * service leaves an existing stream as it is and gets back how its own settings differ, to warn
 * about (they should agree). Without a service (tests and tools setting up a server) it creates
 * or updates as the owner would. Repeated while JetStream is briefly unavailable (a cluster
 * electing a leader, replicated streams created under load).
 */
export function ensureStream(
  nc: NatsConnection | JetStreamManager,
  stream: StreamName,
  settings: StreamSettings,
  service: StreamService = STREAM_OWNERS[stream],
): Promise<string[]> {
  return retryTransient(() => ensureStreamOnce(nc, stream, settings, service));
}

async function ensureStreamOnce(
  nc: NatsConnection | JetStreamManager,
  stream: StreamName,
  settings: StreamSettings,
  service: StreamService,
): Promise<string[]> {
  const jsm = 'streams' in nc ? nc : await jetstreamManager(nc);
  const config = {
    storage: 'file',
    retention: 'limits',
    ...STREAMS[stream],
    subjects: [...STREAMS[stream].subjects],
    num_replicas: settings.replicas,
    max_age: nanos(settings.maxAgeMs),
    duplicate_window: nanos(settings.duplicateWindowMs),
  } as Partial<StreamConfig> & { name: string };
  let existing: StreamConfig | undefined;
  try {
    existing = (await jsm.streams.info(config.name)).config;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    try {
      await jsm.streams.add(config);
      return [];
    } catch (addError) {
      // Another instance created it first: go on as if it had been there.
      if (!/already in use/i.test(String((addError as Error).message))) throw addError;
      existing = (await jsm.streams.info(config.name)).config;
    }
  }
  if (STREAM_OWNERS[stream] === service) {
    await jsm.streams.update(config.name, config);
    return [];
  }
  const differences: string[] = [];
  const compare = (what: string, have: number | undefined, want: number | undefined) => {
    if (have !== want) differences.push(`${what} is ${have}, this service's settings say ${want}`);
  };
  compare('replicas', existing.num_replicas, config.num_replicas);
  compare('max_age (ns)', existing.max_age, config.max_age);
  compare('duplicate_window (ns)', existing.duplicate_window, config.duplicate_window);
  return differences.map((d) => `${config.name}: ${d} (the ${STREAM_OWNERS[stream]} owns its settings)`);
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

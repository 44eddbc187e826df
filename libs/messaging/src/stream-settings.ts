import type { NatsConnection } from '@nats-io/transport-node';
import { duration, integer, type Setting } from '@callbacks/config';
import { ensureStream, type StreamName, type StreamSettings } from './streams';

const DAY = 86_400_000;

/** JetStream durations are nanoseconds. */
export const nanos = (ms: number): number => ms * 1_000_000;

/**
 * The service that owns each stream's settings: it alone updates an existing stream to them.
 * Others create a missing stream with the same variables (every service reads them alike) but
 * never change one, so the last service to start no longer imposes its own.
 */
export const STREAM_OWNERS = {
  events: 'matcher',
  deliveries: 'dispatcher',
  ordered: 'dispatcher',
  turns: 'dispatcher',
  results: 'config-service',
  deadLetters: 'matcher',
} as const satisfies Record<StreamName, string>;

export type StreamService = 'matcher' | 'dispatcher' | 'config-service';

/** A stream's settings variables: replicas, max age (with its default), duplicate window. */
type StreamVariables = { replicas: string; maxAge: [string, number]; duplicateWindow: string };

/**
 * Delivery jobs, ordered jobs and their turns live as long as each other: one set of variables.
 * The duplicate window must outlast a matcher outage: an event redelivered after it emits its jobs again.
 */
const DELIVERY_VARIABLES: StreamVariables = {
  replicas: 'DELIVERIES_STREAM_REPLICAS',
  maxAge: ['DELIVERIES_STREAM_MAX_AGE', 8 * DAY],
  duplicateWindow: 'DELIVERIES_STREAM_DUPLICATE_WINDOW',
};

/** The variables of each stream's settings, and their defaults: the one source. */
const VARIABLES: Record<StreamName, StreamVariables> = {
  events: {
    replicas: 'EVENTS_STREAM_REPLICAS',
    maxAge: ['EVENTS_STREAM_MAX_AGE', 7 * DAY],
    duplicateWindow: 'EVENTS_STREAM_DUPLICATE_WINDOW',
  },
  deliveries: DELIVERY_VARIABLES,
  ordered: DELIVERY_VARIABLES,
  turns: DELIVERY_VARIABLES,
  results: {
    replicas: 'RESULTS_STREAM_REPLICAS',
    maxAge: ['RESULTS_STREAM_MAX_AGE', 7 * DAY],
    duplicateWindow: 'DELIVERIES_STREAM_DUPLICATE_WINDOW',
  },
  deadLetters: {
    replicas: 'EVENTS_STREAM_REPLICAS',
    maxAge: ['DEAD_LETTERS_STREAM_MAX_AGE', 30 * DAY],
    duplicateWindow: 'EVENTS_STREAM_DUPLICATE_WINDOW',
  },
};

type StreamSettingsSpec<N extends StreamName> = {
  [K in `${N}Replicas` | `${N}MaxAgeMs` | `${N}DuplicateWindowMs`]: Setting<number>;
};

/** The settings of a stream, for a service's settings spec (keys `<stream>Replicas`, …). */
export function streamSettingsSpec<N extends StreamName>(stream: N): StreamSettingsSpec<N> {
  const v = VARIABLES[stream];
  return {
    [`${stream}Replicas`]: integer(v.replicas, { default: 1, min: 1, max: 5 }),
    [`${stream}MaxAgeMs`]: duration(v.maxAge[0], { default: v.maxAge[1], min: 60_000 }),
    [`${stream}DuplicateWindowMs`]: duration(v.duplicateWindow, { default: 2 * 3_600_000, min: 1_000 }),
  } as StreamSettingsSpec<N>;
}

/** The stream's settings out of a service's loaded settings. */
export function streamSettingsOf<N extends StreamName>(
  settings: { [K in `${N}Replicas` | `${N}MaxAgeMs` | `${N}DuplicateWindowMs`]: number },
  stream: N,
): StreamSettings {
  const s = settings as Record<string, number>;
  return {
    replicas: s[`${stream}Replicas`] ?? 1,
    maxAgeMs: s[`${stream}MaxAgeMs`] ?? 0,
    duplicateWindowMs: s[`${stream}DuplicateWindowMs`] ?? 0,
  };
}

/**
 * Ensures the streams a service uses (see `ensureStream`) with the settings it loaded, and warns
 * about each setting in which an existing stream owned by another service differs from them.
 */
export async function ensureStreams<N extends StreamName>(
  nc: NatsConnection,
  service: StreamService,
  settings: { [K in `${N}Replicas` | `${N}MaxAgeMs` | `${N}DuplicateWindowMs`]: number },
  streams: readonly N[],
  warn: (message: string) => void,
): Promise<void> {
  for (const stream of streams) {
    for (const difference of await ensureStream(nc, stream, streamSettingsOf(settings, stream), service))
      warn(difference);
  }
}

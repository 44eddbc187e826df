import { duration, integer, loadSettings, natsServers, oneOf } from '@callbacks/config';
import { TELEMETRY_SETTINGS } from '@callbacks/telemetry';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const spec = {
  natsServers: natsServers('NATS_URL'),
  /** Events handled at once by one instance. */
  concurrency: integer('MATCHER_CONCURRENCY', { default: 64, min: 1, max: 10_000 }),
  /** Events handed to this consumer and not yet acknowledged, across all instances. */
  maxAckPending: integer('MATCHER_MAX_ACK_PENDING', { default: 10_000, min: 1, max: 1_000_000 }),
  ackWaitMs: duration('MATCHER_ACK_WAIT', { default: 30_000, min: 1_000, max: 3_600_000 }),
  eventsReplicas: integer('EVENTS_STREAM_REPLICAS', { default: 1, min: 1, max: 5 }),
  eventsMaxAgeMs: duration('EVENTS_STREAM_MAX_AGE', { default: 7 * 86_400_000, min: 60_000 }),
  eventsDuplicateWindowMs: duration('EVENTS_STREAM_DUPLICATE_WINDOW', { default: 2 * 3_600_000, min: 1_000 }),
  deliveriesReplicas: integer('DELIVERIES_STREAM_REPLICAS', { default: 1, min: 1, max: 5 }),
  deliveriesMaxAgeMs: duration('DELIVERIES_STREAM_MAX_AGE', { default: 8 * 86_400_000, min: 60_000 }),
  /** Must outlast a matcher outage: an event redelivered after it can emit its jobs again. */
  deliveriesDuplicateWindowMs: duration('DELIVERIES_STREAM_DUPLICATE_WINDOW', { default: 2 * 3_600_000, min: 1_000 }),
  deadLettersMaxAgeMs: duration('DEAD_LETTERS_STREAM_MAX_AGE', { default: 30 * 86_400_000, min: 60_000 }),
  logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' }),
  ...TELEMETRY_SETTINGS,
};

export type MatcherSettings = ReturnType<typeof loadMatcherSettings>;

export function loadMatcherSettings(env: Readonly<Record<string, string | undefined>>) {
  return loadSettings(env, spec);
}

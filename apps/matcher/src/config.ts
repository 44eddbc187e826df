import { duration, integer, loadSettings, logLevel, natsServers } from '@callbacks/config';
import { streamSettingsSpec } from '@callbacks/messaging';
import { TELEMETRY_SETTINGS } from '@callbacks/telemetry';

const spec = {
  natsServers: natsServers('NATS_URL'),
  /** Events handled at once by one instance. */
  concurrency: integer('MATCHER_CONCURRENCY', { default: 64, min: 1, max: 10_000 }),
  /** Events handed to this consumer and not yet acknowledged, across all instances. */
  maxAckPending: integer('MATCHER_MAX_ACK_PENDING', { default: 10_000, min: 1, max: 1_000_000 }),
  ackWaitMs: duration('MATCHER_ACK_WAIT', { default: 30_000, min: 1_000, max: 3_600_000 }),
  ...streamSettingsSpec('events'),
  ...streamSettingsSpec('deliveries'),
  ...streamSettingsSpec('ordered'),
  ...streamSettingsSpec('turns'),
  ...streamSettingsSpec('deadLetters'),
  logLevel: logLevel(),
  ...TELEMETRY_SETTINGS,
};

export type MatcherSettings = ReturnType<typeof loadMatcherSettings>;

export function loadMatcherSettings(env: Readonly<Record<string, string | undefined>>) {
  return loadSettings(env, spec);
}

import {
  ConfigError,
  duration,
  integer,
  list,
  loadSettings,
  logLevel,
  natsServers,
  number,
  parseDuration,
} from '@callbacks/config';
import { DELIVERY_BOUNDS, DELIVERY_DEFAULTS } from '@callbacks/domain';
import { streamSettingsSpec } from '@callbacks/messaging';
import { AddressPolicy } from '@callbacks/outbound-http';
import { type KeyRing, loadKeyRing, loadPlatformKeyRing, type PlatformKeyRing } from '@callbacks/signature';
import { TELEMETRY_SETTINGS } from '@callbacks/telemetry';
import { DEFAULT_RETRY_SCHEDULE } from './delivery/retry-policy';

const spec = {
  natsServers: natsServers('NATS_URL'),
  /** CIDRs a delivery may reach although they are not public (internal receivers, tests). */
  allowCidrs: list('DISPATCHER_ALLOW_CIDRS', (s) => s, {
    default: [],
    describe: 'comma-separated CIDRs such as 10.1.0.0/16',
  }),
  /** Resolve callback hosts with these DNS servers (ip or ip:port) instead of the system's. */
  dnsServers: list('DISPATCHER_DNS_SERVERS', (s) => s, {
    default: [],
    describe: 'comma-separated DNS servers such as 10.0.0.2:53',
  }),
  connectTimeoutMs: duration('DISPATCHER_CONNECT_TIMEOUT', {
    default: DELIVERY_DEFAULTS.connectTimeoutMs,
    min: 100,
    max: 60_000,
  }),
  timeoutMs: duration('DISPATCHER_TIMEOUT', { default: DELIVERY_DEFAULTS.timeoutMs, min: 500, max: 300_000 }),
  maxTimeoutMs: duration('DISPATCHER_MAX_TIMEOUT', { default: DELIVERY_BOUNDS.maxTimeoutMs, min: 1_000, max: 300_000 }),
  /** JetStream ack wait for jobs; 0 = max(30 s, 2 × DISPATCHER_MAX_TIMEOUT + 5 s). Must exceed the max timeout. */
  ackWaitMs: duration('DISPATCHER_ACK_WAIT', { default: 0 }),
  excerptBytes: integer('DISPATCHER_RESPONSE_EXCERPT_BYTES', { default: 1024, min: 0, max: 65_536 }),
  retrySchedule: list('DISPATCHER_RETRY_SCHEDULE', parseDuration, {
    default: DEFAULT_RETRY_SCHEDULE.split(',').map(parseDuration),
    describe: 'comma-separated delays before attempt 2, 3, ... such as 5s,5m,30m',
  }),
  retryJitter: number('DISPATCHER_RETRY_JITTER', { default: 0.2, min: 0, max: 0.9 }),
  maxRetryAfterMs: duration('DISPATCHER_MAX_RETRY_AFTER', { default: 3_600_000, min: 1_000 }),
  concurrency: integer('DISPATCHER_ENDPOINT_CONCURRENCY', {
    default: DELIVERY_DEFAULTS.concurrency,
    min: 1,
    max: 10_000,
  }),
  maxConcurrency: integer('DISPATCHER_MAX_ENDPOINT_CONCURRENCY', {
    default: DELIVERY_BOUNDS.maxConcurrency,
    min: 1,
    max: 10_000,
  }),
  queueLimit: integer('DISPATCHER_ENDPOINT_QUEUE', { default: 5_000, min: 1, max: 100_000 }),
  maxQueueWaitMs: duration('DISPATCHER_ENDPOINT_QUEUE_WAIT', { default: 30_000, min: 10 }),
  stallMs: duration('DISPATCHER_ENDPOINT_STALL', { default: 2_000, min: 10 }),
  deferDelayMs: duration('DISPATCHER_DEFER_DELAY', { default: 2_000, min: 100 }),
  deferRate: integer('DISPATCHER_DEFER_RATE', { default: 500, min: 1, max: 100_000 }),
  breakerThreshold: integer('DISPATCHER_BREAKER_FAILURES', { default: 5, min: 1, max: 1_000 }),
  breakerCooldownMs: duration('DISPATCHER_BREAKER_COOLDOWN', { default: 30_000, min: 100 }),
  breakerMaxCooldownMs: duration('DISPATCHER_BREAKER_MAX_COOLDOWN', { default: 600_000, min: 100 }),
  /** Jobs one instance holds at once (queued behind endpoint limits or in flight). */
  maxHeld: integer('DISPATCHER_MAX_HELD', { default: 5_000, min: 1, max: 1_000_000 }),
  /** Jobs handed out and not yet acknowledged, across all instances. */
  maxAckPending: integer('DISPATCHER_MAX_ACK_PENDING', { default: 20_000, min: 1, max: 1_000_000 }),
  /**
   * Ordered partitions handed out and not yet acknowledged, across all instances: those being
   * worked and those whose first job waits for its retry (one each, however long its line).
   */
  orderedMaxAckPending: integer('DISPATCHER_ORDERED_MAX_ACK_PENDING', { default: 100_000, min: 1, max: 1_000_000 }),
  /** How often an instance gives every non-empty ordered line a turn it may have lost (a crash). */
  orderedSweepIntervalMs: duration('DISPATCHER_ORDERED_SWEEP_INTERVAL', { default: 60_000, min: 100 }),
  ...streamSettingsSpec('deliveries'),
  ...streamSettingsSpec('ordered'),
  ...streamSettingsSpec('turns'),
  ...streamSettingsSpec('results'),
  logLevel: logLevel(),
  ...TELEMETRY_SETTINGS,
  /** Endpoints named in the per-endpoint metrics (the busiest); the rest are summed as "other". */
  metricsEndpoints: integer('DISPATCHER_METRICS_ENDPOINTS', { default: 20, min: 1, max: 1_000 }),
};

export type DispatcherSettings = ReturnType<typeof loadSettings<typeof spec>> & {
  keyRing: KeyRing;
  /** Opens per-callback secrets (SECRET_KEY_RING or SECRET_KEY_RING_FILE); without one, only the original scheme signs. */
  platformKeys: PlatformKeyRing | undefined;
  addressPolicy: AddressPolicy;
};

/**
 * The settings, the signing key ring (SIGNING_KEY_RING or SIGNING_KEY_RING_FILE, see
 * libs/signature) and the address policy, all checked at once: every problem is one line.
 */
export function loadDispatcherSettings(env: Readonly<Record<string, string | undefined>>): DispatcherSettings {
  const problems: string[] = [];
  const attempt = <T>(load: () => T, prefix = ''): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (error instanceof ConfigError) problems.push(...error.problems);
      else problems.push(`${prefix}${(error as Error).message}`);
      return undefined;
    }
  };
  const settings = attempt(() => loadSettings(env, spec));
  const keyRing = attempt(() => loadKeyRing({ env }), 'signing keys: ');
  const platformKeys = attempt(() => loadPlatformKeyRing({ env }), 'platform keys: ');
  const addressPolicy = attempt(() => new AddressPolicy(settings?.allowCidrs ?? []), 'DISPATCHER_ALLOW_CIDRS: ');
  if (settings && settings.ackWaitMs !== 0 && settings.ackWaitMs <= settings.maxTimeoutMs + 1_000) {
    problems.push(
      'DISPATCHER_ACK_WAIT: must exceed DISPATCHER_MAX_TIMEOUT by more than 1s, or a slow receiver causes duplicates',
    );
  }
  if (problems.length > 0 || !settings || !keyRing || !addressPolicy) throw new ConfigError(problems);
  return {
    ...settings,
    ackWaitMs: settings.ackWaitMs || Math.max(30_000, 2 * settings.maxTimeoutMs + 5_000),
    keyRing,
    platformKeys,
    addressPolicy,
  };
}

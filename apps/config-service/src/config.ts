import {
  boolean,
  ConfigError,
  directoryWith,
  duration,
  hostPort,
  integer,
  list,
  loadSettings,
  logLevel,
  natsServers,
  pemFile,
  sensitive,
  string,
  url,
} from '@callbacks/config';
import { DELIVERY_BOUNDS } from '@callbacks/domain';
import { streamSettingsSpec } from '@callbacks/messaging';
import { AddressPolicy } from '@callbacks/outbound-http';
import { type KeyRing, loadKeyRing, loadPlatformKeyRing, type PlatformKeyRing } from '@callbacks/signature';
import { TELEMETRY_SETTINGS } from '@callbacks/telemetry';
import { parseTokens, type TokenEntry } from './auth/tokens';

const DAY = 86_400_000;

const spec = {
  grpcAddr: hostPort('CONFIG_GRPC_ADDR', { default: '127.0.0.1:50051' }),
  /** The same API as HTTP/JSON (same TLS settings as gRPC). */
  httpAddr: hostPort('CONFIG_HTTP_ADDR', { default: '127.0.0.1:8080' }),
  /** The console's built files (apps/console), served on the HTTP API's origin; unset: no console. */
  consoleDir: directoryWith('CONFIG_CONSOLE_DIR', 'index.html', { default: undefined }),
  /** TLS for the gRPC API (both, or neither: plain, for a loopback or a proxy that terminates TLS). */
  tlsCert: pemFile('CONFIG_TLS_CERT_FILE', { default: undefined }),
  tlsKey: pemFile('CONFIG_TLS_KEY_FILE', { default: undefined }),
  mongoUrl: url('MONGO_URL', { protocols: ['mongodb', 'mongodb+srv'] }),
  mongoDatabase: string('CONFIG_MONGO_DATABASE', { default: 'callbacks', pattern: /^[A-Za-z0-9_-]{1,63}$/ }),
  /** How long a call waits for MongoDB before it fails UNAVAILABLE. */
  mongoTimeoutMs: duration('CONFIG_MONGO_TIMEOUT', { default: 5_000, min: 100, max: 60_000 }),
  natsServers: natsServers('NATS_URL'),
  tokens: sensitive({
    variable: 'CONFIG_TOKENS',
    describe: 'a JSON list of {"name","sha256","accounts"}',
    parse: (raw: string | undefined): TokenEntry[] => {
      if (raw === undefined) throw new Error('required: a JSON list of {"name","sha256","accounts"}');
      return parseTokens(raw);
    },
  }),
  /** Requests per second each token may make to the API, gRPC and HTTP together, per instance; 0: no limit. */
  apiRateLimit: integer('CONFIG_API_RATE_LIMIT', { default: 200, min: 0, max: 1_000_000 }),
  /** Requests a token that has been quiet may make at once, above that rate. */
  apiRateBurst: integer('CONFIG_API_RATE_BURST', { default: 400, min: 1, max: 10_000_000 }),
  /** Allow plain http:// callback URLs (tests, local demos); https only otherwise. */
  allowHttpUrls: boolean('CONFIG_ALLOW_HTTP_URLS', { default: false }),
  maxConcurrencyLimit: integer('CONFIG_MAX_CONCURRENCY_LIMIT', {
    default: DELIVERY_BOUNDS.maxConcurrency,
    min: 1,
    max: 10_000,
  }),
  maxRateLimit: integer('CONFIG_MAX_RATE_LIMIT', {
    default: DELIVERY_BOUNDS.maxRequestsPerSecond,
    min: 1,
    max: 1_000_000,
  }),
  maxTimeoutMs: duration('CONFIG_MAX_TIMEOUT', {
    default: DELIVERY_BOUNDS.maxTimeoutMs,
    min: DELIVERY_BOUNDS.minTimeoutMs,
    max: 300_000,
  }),
  /** How long deliveries and their attempts stay in the log, counted from the delivery's creation. */
  deliveryRetentionMs: duration('CONFIG_DELIVERY_RETENTION', { default: 30 * DAY, min: 60_000 }),
  /** How often expired deliveries are deleted (where the database has no TTL indexes, this is what deletes them). */
  deliveryCleanupIntervalMs: duration('CONFIG_DELIVERY_CLEANUP_INTERVAL', { default: 3_600_000, min: 1_000 }),
  /** A callback whose attempts only failed for this long is disabled (DISABLED_FAILING). */
  failingPeriodMs: duration('CONFIG_FAILING_PERIOD', { default: 5 * DAY, min: 1_000 }),
  /** Attempt results recorded at once by one instance. */
  deliveryLogBatch: integer('CONFIG_DELIVERY_LOG_BATCH', { default: 200, min: 1, max: 1_000 }),
  /** How long a batch that is not full may wait for more results (each write has a fixed cost). */
  deliveryLogGatherMs: duration('CONFIG_DELIVERY_LOG_GATHER', { default: 100, min: 0, max: 60_000 }),
  /** CIDRs a test send may reach although they are not public (internal receivers, tests). */
  allowCidrs: list('CONFIG_ALLOW_CIDRS', (s) => s, {
    default: [],
    describe: 'comma-separated CIDRs such as 10.1.0.0/16',
  }),
  /** Replicas of the CALLBACKS bucket (the matchers watch it; this service alone writes it). */
  callbacksBucketReplicas: integer('CALLBACKS_BUCKET_REPLICAS', { default: 1, min: 1, max: 5 }),
  /** How often the CALLBACKS bucket is made equal to the database (and at start), healing a lost write. */
  kvReconcileIntervalMs: duration('CONFIG_KV_RECONCILE_INTERVAL', { default: 300_000, min: 1_000 }),
  // The results stream: this service owns its settings; the dispatchers create it only if missing.
  ...streamSettingsSpec('results'),
  logLevel: logLevel(),
  ...TELEMETRY_SETTINGS,
};

export type ConfigServiceSettings = ReturnType<typeof loadSettings<typeof spec>> & {
  /** Signs the requests TestCallback shows and sends; without one TestCallback is refused. */
  keyRing: KeyRing | undefined;
  /** Seals and opens per-callback secrets; without one only the original product's scheme is offered. */
  platformKeys: PlatformKeyRing | undefined;
  addressPolicy: AddressPolicy;
};

/**
 * The settings, the optional signing key ring (SIGNING_KEY_RING or SIGNING_KEY_RING_FILE, see
 * libs/signature), the optional platform key ring (SECRET_KEY_RING or SECRET_KEY_RING_FILE) and the address policy of test sends, checked at once: every problem is one line.
 */
export function loadConfigServiceSettings(env: Readonly<Record<string, string | undefined>>): ConfigServiceSettings {
  const problems: string[] = [];
  let settings: ReturnType<typeof loadSettings<typeof spec>> | undefined;
  try {
    settings = loadSettings(env, spec);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  let keyRing: KeyRing | undefined;
  if (isSet(env['SIGNING_KEY_RING']) || isSet(env['SIGNING_KEY_RING_FILE'])) {
    try {
      keyRing = loadKeyRing({ env });
    } catch (error) {
      problems.push(`signing keys: ${(error as Error).message}`);
    }
  }
  let platformKeys: PlatformKeyRing | undefined;
  try {
    platformKeys = loadPlatformKeyRing({ env });
  } catch (error) {
    problems.push(`platform keys: ${(error as Error).message}`);
  }
  let addressPolicy: AddressPolicy | undefined;
  try {
    addressPolicy = new AddressPolicy(settings?.allowCidrs ?? []);
  } catch (error) {
    problems.push(`CONFIG_ALLOW_CIDRS: ${(error as Error).message}`);
  }
  if (settings && (settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) {
    problems.push('CONFIG_TLS_CERT_FILE and CONFIG_TLS_KEY_FILE: give both (TLS) or neither (plain)');
  }
  if (problems.length > 0 || !settings || !addressPolicy) throw new ConfigError(problems);
  return { ...settings, keyRing, platformKeys, addressPolicy };
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

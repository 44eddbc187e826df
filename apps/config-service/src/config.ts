import { boolean, duration, hostPort, integer, loadSettings, natsServers, oneOf, sensitive, string, url } from '@callbacks/config';
import { parseTokens, type TokenEntry } from './auth/tokens';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const spec = {
  grpcAddr: hostPort('CONFIG_GRPC_ADDR', { default: '127.0.0.1:50051' }),
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
  /** Allow plain http:// callback URLs (tests, local demos); https only otherwise. */
  allowHttpUrls: boolean('CONFIG_ALLOW_HTTP_URLS', { default: false }),
  maxConcurrencyLimit: integer('CONFIG_MAX_CONCURRENCY_LIMIT', { default: 100, min: 1, max: 10_000 }),
  maxRateLimit: integer('CONFIG_MAX_RATE_LIMIT', { default: 1_000, min: 1, max: 1_000_000 }),
  maxTimeoutMs: duration('CONFIG_MAX_TIMEOUT', { default: 60_000, min: 1_000, max: 300_000 }),
  logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' }),
};

export type ConfigServiceSettings = ReturnType<typeof loadConfigServiceSettings>;

export function loadConfigServiceSettings(env: Readonly<Record<string, string | undefined>>) {
  return loadSettings(env, spec);
}

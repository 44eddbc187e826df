import { randomBytes } from 'node:crypto';
import type {} from '@callbacks/infra/vitest-global-setup';
import { createLogger } from '@callbacks/logger';
import type { CallbackServiceClient } from '@callbacks/proto/callbacks/v1/callback_service';
import { callbackClient, platformKeyRingEnv } from '@callbacks/testing';
import { type RunningConfigService, startConfigService } from '../src/app';
import { hashToken } from '../src/auth/tokens';
import { loadConfigServiceSettings } from '../src/config';

export const TOKENS = {
  accountA: 'token-for-account-a',
  accountB: 'token-for-account-b',
  admin: 'token-for-every-account',
} as const;

export interface Harness {
  service: RunningConfigService;
  client: CallbackServiceClient;
  address: string;
  /** The HTTP/JSON API's base URL. */
  httpUrl: string;
  database: string;
  close(): Promise<void>;
}

/** Starts the config service in-process on a free port against the given real servers. */
export async function startHarness(options: {
  mongoUrl: string;
  natsUrl: string;
  env?: Record<string, string>;
  /** Receives the service's log lines (JSON), for tests of what it logs; default: silent. */
  logLines?: string[];
  /**
   * Another instance's database, for a second service on the same NATS: one CALLBACKS bucket
   * mirrors one database, and a service reconciling it against another would delete what it lacks.
   */
  database?: string;
}): Promise<Harness> {
  const database = options.database ?? `cfg_${randomBytes(6).toString('hex')}`;
  const settings = loadConfigServiceSettings({
    CONFIG_GRPC_ADDR: '127.0.0.1:0',
    CONFIG_HTTP_ADDR: '127.0.0.1:0',
    MONGO_URL: options.mongoUrl,
    CONFIG_MONGO_DATABASE: database,
    CONFIG_MONGO_TIMEOUT: '2s',
    NATS_URL: options.natsUrl,
    CONFIG_TOKENS: JSON.stringify([
      { name: 'crm-a', sha256: hashToken(TOKENS.accountA), accounts: ['acct-a'] },
      { name: 'crm-b', sha256: hashToken(TOKENS.accountB), accounts: ['acct-b'] },
      { name: 'admin', sha256: hashToken(TOKENS.admin), accounts: '*' },
    ]),
    CONFIG_ALLOW_HTTP_URLS: 'false',
    LOG_LEVEL: 'warn',
    ...platformKeyRingEnv(),
    ...options.env,
  });
  const lines = options.logLines;
  const log = lines
    ? createLogger({
        service: 'config-service-test',
        level: 'info',
        destination: { write: (line) => lines.push(line) },
      })
    : createLogger({ service: 'config-service-test', level: 'silent' });
  const service = await startConfigService(settings, log);
  const address = `127.0.0.1:${service.port}`;
  const client = callbackClient(address);
  let closed: Promise<void> | undefined;
  return {
    service,
    client,
    address,
    httpUrl: service.httpUrl,
    database,
    /** Stops the service; once, however often it is called. */
    close() {
      closed ??= (async () => {
        client.close();
        await service.stop();
      })();
      return closed;
    },
  };
}

export { auth, call, callFails, sampleCallback, violatedFields } from '@callbacks/testing';

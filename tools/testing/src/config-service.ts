import { createHash, randomBytes } from 'node:crypto';
import { freePort } from '@callbacks/infra';
import type { CallbackServiceClient } from '@callbacks/proto/callbacks/v1/callback_service';
import { callbackClient } from './grpc';
import { ServiceProcess } from './processes';

export interface ConfigServiceUnderTest {
  process: ServiceProcess;
  address: string;
  /** The HTTP/JSON API's base URL. */
  httpUrl: string;
  client: CallbackServiceClient;
  /** A token for every account (services, tests). */
  adminToken: string;
  close(): Promise<void>;
}

/** The config service as a process, on a free port, with a fresh database and an admin token. */
export async function startConfigServiceProcess(options: {
  mongoUrl: string;
  natsUrl: string;
  env?: Record<string, string>;
}): Promise<ConfigServiceUnderTest> {
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const address = `127.0.0.1:${await freePort()}`;
  const httpAddress = `127.0.0.1:${await freePort()}`;
  const process = new ServiceProcess(
    'config-service',
    {
      CONFIG_GRPC_ADDR: address,
      CONFIG_HTTP_ADDR: httpAddress,
      MONGO_URL: options.mongoUrl,
      CONFIG_MONGO_DATABASE: `cfg_${randomBytes(6).toString('hex')}`,
      NATS_URL: options.natsUrl,
      CONFIG_TOKENS: JSON.stringify([
        { name: 'admin', sha256: createHash('sha256').update(adminToken).digest('hex'), accounts: '*' },
      ]),
      CONFIG_ALLOW_HTTP_URLS: 'true',
      ...options.env,
    },
    /database ready; serving/,
  );
  await process.start();
  const client = callbackClient(address);
  return {
    process,
    address,
    httpUrl: `http://${httpAddress}`,
    client,
    adminToken,
    async close() {
      client.close();
      await process.stop();
    },
  };
}

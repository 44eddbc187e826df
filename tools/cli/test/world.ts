import { connect } from '@nats-io/transport-node';
import { type Server, startNats } from '@callbacks/infra';
import type {} from '@callbacks/infra/vitest-global-setup';
import { ensureStream, type NatsConnection, type StreamName } from '@callbacks/messaging';
import { type ConfigServiceUnderTest, startConfigServiceProcess } from '@callbacks/testing';
import { type CliRun, runCli } from './run-cli';

/**
 * A config service process with its own nats-server (it owns fixed stream and consumer names)
 * on the shared MongoDB-wire server, and the environment that points the CLI at both.
 */
export interface World {
  service: ConfigServiceUnderTest;
  nats: Server;
  nc: NatsConnection;
  /** CALLBACKS_ADDR, CALLBACKS_TOKEN (an every-account token) and NATS_URL. */
  env: Record<string, string>;
  /** Runs the CLI as a process with `env` (and `options.env` on top). */
  cli(
    args: readonly string[],
    options?: { stdin?: string; cwd?: string; env?: Record<string, string>; script?: string },
  ): Promise<CliRun>;
  close(): Promise<void>;
}

const DAY = 86_400_000;

export async function startWorld(options: {
  mongoUrl: string;
  streams?: StreamName[];
  serviceEnv?: Record<string, string>;
}): Promise<World> {
  const nats = await startNats();
  let nc: NatsConnection | undefined;
  let service: ConfigServiceUnderTest;
  try {
    nc = await connect({ servers: nats.url });
    for (const stream of options.streams ?? []) {
      await ensureStream(nc, stream, { replicas: 1, maxAgeMs: 7 * DAY, duplicateWindowMs: 7_200_000 });
    }
    service = await startConfigServiceProcess({
      mongoUrl: options.mongoUrl,
      natsUrl: nats.url,
      env: options.serviceEnv ?? {},
    });
  } catch (error) {
    // A service that cannot start must not leave its nats-server running after the tests.
    await nc?.close();
    await nats.close();
    throw error;
  }
  const env = { CALLBACKS_ADDR: service.address, CALLBACKS_TOKEN: service.adminToken, NATS_URL: nats.url };
  return {
    service,
    nats,
    nc,
    env,
    cli: (args, runOptions = {}) => runCli(args, { ...runOptions, env: { ...env, ...runOptions.env } }),
    async close() {
      await service.close();
      await nc.close();
      await nats.close();
    },
  };
}

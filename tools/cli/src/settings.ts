import {
  boolean,
  ConfigError,
  duration,
  hostPort,
  loadSettings,
  natsServers,
  sensitive,
  type Setting,
  type SettingsOf,
  string,
} from '@callbacks/config';
import type { ApiSettings } from './api/callback-api';
import { UsageError } from './errors';

/** The connection flags every command accepts; each falls back to an environment variable. */
export interface ConnectionFlags {
  readonly addr?: string | undefined;
  readonly token?: string | undefined;
  readonly tls?: boolean | undefined;
  readonly deadline?: string | undefined;
  readonly nats?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

// Each setting is named after its flag and its variable, so a problem reads
// "--addr / CALLBACKS_ADDR: expected host:port" whichever of the two was used.
const API = {
  address: hostPort('--addr / CALLBACKS_ADDR', { default: '127.0.0.1:50051' }),
  token: sensitive(string('--token / CALLBACKS_TOKEN', { default: '' })),
  tls: boolean('--tls / CALLBACKS_TLS', { default: false }),
  deadlineMs: duration('--deadline / CALLBACKS_DEADLINE', { default: 60_000, min: 1 }),
};

const NATS = {
  servers: natsServers('--nats / NATS_URL', { default: ['nats://127.0.0.1:4222'] }),
};

/** Where and how to reach the config service: flags first, then CALLBACKS_* variables, then defaults. */
export function apiSettings(flags: ConnectionFlags, env: Env): ApiSettings {
  return load(API, {
    address: flags.addr ?? env['CALLBACKS_ADDR'],
    token: flags.token ?? env['CALLBACKS_TOKEN'],
    tls: flags.tls === undefined ? env['CALLBACKS_TLS'] : String(flags.tls),
    deadlineMs: flags.deadline ?? env['CALLBACKS_DEADLINE'],
  });
}

/** The NATS servers `events publish` publishes to: --nats, then NATS_URL, then the local default. */
export function natsSettings(flags: ConnectionFlags, env: Env): { servers: string[] } {
  return load(NATS, { servers: flags.nats ?? env['NATS_URL'] });
}

function load<S extends Record<string, Setting<unknown>>>(
  spec: S,
  raw: { [K in keyof S]: string | undefined },
): SettingsOf<S> {
  const env = Object.fromEntries(Object.entries(spec).map(([key, setting]) => [setting.variable, raw[key]]));
  try {
    return loadSettings(env, spec);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.join('; '));
    throw error;
  }
}

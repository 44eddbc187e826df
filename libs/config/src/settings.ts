import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Settings from environment variables. A service describes its settings once; `loadSettings`
 * reads them all and reports every bad variable at once, one line each, so an operator fixes
 * a deployment in one go instead of one restart per typo.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses one variable's raw value; throws an Error whose message says what was expected. */
export interface Setting<T> {
  readonly variable: string;
  readonly describe: string;
  /** Never echo the value back (tokens, keys). */
  readonly sensitive?: boolean;
  parse(raw: string | undefined): T;
}

type Env = Readonly<Record<string, string | undefined>>;

export type SettingsOf<S extends Record<string, Setting<unknown>>> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

export function loadSettings<S extends Record<string, Setting<unknown>>>(env: Env, spec: S): SettingsOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(spec)) {
    const raw = env[setting.variable];
    try {
      out[key] = setting.parse(raw === '' ? undefined : raw);
    } catch (error) {
      const shown =
        raw === undefined ? 'not set' : setting.sensitive ? 'value hidden' : `got ${JSON.stringify(truncate(raw))}`;
      problems.push(`${setting.variable}: ${(error as Error).message} (${shown})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as SettingsOf<S>;
}

function truncate(raw: string): string {
  return raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
}

interface Options<T> {
  /** Used when the variable is unset or empty; without it the variable is required. */
  default?: T;
}

function setting<T>(variable: string, describe: string, options: Options<T>, parse: (raw: string) => T): Setting<T> {
  return {
    variable,
    describe,
    parse(raw) {
      if (raw === undefined) {
        if ('default' in options) return options.default as T;
        throw new Error(`required: ${describe}`);
      }
      return parse(raw.trim());
    },
  };
}

export function string(variable: string, options: Options<string> & { pattern?: RegExp } = {}): Setting<string> {
  return setting(variable, options.pattern ? `a string matching ${options.pattern}` : 'a string', options, (raw) => {
    if (options.pattern && !options.pattern.test(raw)) throw new Error(`expected a value matching ${options.pattern}`);
    return raw;
  });
}

/** A setting whose value is never echoed back in an error (tokens, keys, passwords). */
export function sensitive<T>(inner: Setting<T>): Setting<T> {
  return { ...inner, sensitive: true };
}

export function integer(
  variable: string,
  options: Options<number> & { min?: number; max?: number } = {},
): Setting<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  return setting(variable, `an integer from ${min} to ${max}`, options, (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new Error(`expected an integer from ${min} to ${max}`);
    const value = Number(raw);
    if (value < min || value > max) throw new Error(`expected an integer from ${min} to ${max}`);
    return value;
  });
}

export function number(
  variable: string,
  options: Options<number> & { min?: number; max?: number } = {},
): Setting<number> {
  const { min = -Infinity, max = Infinity } = options;
  return setting(variable, `a number from ${min} to ${max}`, options, (raw) => {
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new Error(`expected a number from ${min} to ${max}`);
    }
    return value;
  });
}

export function boolean(variable: string, options: Options<boolean> = {}): Setting<boolean> {
  return setting(variable, 'true or false', options, (raw) => {
    const v = raw.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    throw new Error('expected true or false');
  });
}

export function oneOf<const T extends string>(
  variable: string,
  values: readonly T[],
  options: Options<T> = {},
): Setting<T> {
  return setting(variable, `one of ${values.join(', ')}`, options, (raw) => {
    const found = values.find((v) => v.toLowerCase() === raw.toLowerCase());
    if (found === undefined) throw new Error(`expected one of ${values.join(', ')}`);
    return found;
  });
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `15s`, `5m`, `2h`, `5d` (or combinations such as `1h30m`) into milliseconds. */
export function parseDuration(raw: string): number {
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== raw) {
    throw new Error('expected a duration such as 500ms, 15s, 5m, 2h or 5d');
  }
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (UNITS_MS[unit ?? ''] ?? 0), 0);
}

export function duration(
  variable: string,
  options: Options<number> & { min?: number; max?: number } = {},
): Setting<number> {
  const { min = 0, max = Infinity } = options;
  return setting(variable, 'a duration such as 15s', options, (raw) => {
    const ms = parseDuration(raw);
    if (ms < min || ms > max) throw new Error(`expected a duration from ${min} ms to ${max} ms`);
    return ms;
  });
}

/** `host:port` to listen on or connect to. */
export function hostPort(variable: string, options: Options<string> = {}): Setting<string> {
  return setting(variable, 'host:port', options, (raw) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
    if (!match || Number(match[2]) > 65_535) throw new Error('expected host:port, e.g. 127.0.0.1:50051');
    return raw;
  });
}

/** Parses an absolute URL whose scheme is one of `protocols`; throws a readable error otherwise. */
export function parseUrl(raw: string, protocols: readonly string[]): string {
  const expected = `expected a ${protocols.map((p) => `${p}://`).join(' or ')} URL`;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(expected);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) throw new Error(expected);
  return raw;
}

export function url(variable: string, options: Options<string> & { protocols: readonly string[] }): Setting<string> {
  const protocols = options.protocols;
  return setting(variable, `a ${protocols.map((p) => `${p}://`).join(' or ')} URL`, options, (raw) =>
    parseUrl(raw, protocols),
  );
}

/** NATS server URLs, comma-separated (`nats://a:4222,nats://b:4222`). */
export function natsServers(variable: string, options: Options<string[]> = {}): Setting<string[]> {
  return list(variable, (raw) => parseUrl(raw, ['nats', 'tls', 'ws', 'wss']), {
    ...options,
    describe: 'comma-separated nats:// URLs',
  });
}

/** A comma-separated list; each item parsed by `item`. */
export function list<T>(
  variable: string,
  item: (raw: string) => T,
  options: Options<T[]> & { describe?: string } = {},
): Setting<T[]> {
  const describe = options.describe ?? 'a comma-separated list';
  return setting(variable, describe, options, (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => {
        try {
          return item(s);
        } catch (error) {
          throw new Error(`item ${JSON.stringify(s)}: ${(error as Error).message}`);
        }
      }),
  );
}

/** The path of a PEM file (a TLS certificate, key or CA); the setting is the file's contents. */
export function pemFile(variable: string, options: Options<string | undefined> = {}): Setting<string | undefined> {
  return setting<string | undefined>(variable, 'the path of a PEM file', options, (raw) => {
    let text: string;
    try {
      text = readFileSync(raw, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!text.includes('-----BEGIN ')) throw new Error('the file holds no PEM block (-----BEGIN ...)');
    return text;
  });
}

/** The log levels every service accepts in `LOG_LEVEL` (pino's). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** `LOG_LEVEL`, default `info`: the same setting in every service. */
export function logLevel(): Setting<(typeof LOG_LEVELS)[number]> {
  return oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' });
}

/** The path of a directory holding `file` (e.g. a web app's index.html); the setting is the directory's absolute path. */
export function directoryWith(
  variable: string,
  file: string,
  options: Options<string | undefined> = {},
): Setting<string | undefined> {
  return setting<string | undefined>(variable, `the path of a directory holding ${file}`, options, (raw) => {
    const dir = resolve(raw);
    if (!existsSync(join(dir, file))) throw new Error(`${join(dir, file)} does not exist`);
    return dir;
  });
}

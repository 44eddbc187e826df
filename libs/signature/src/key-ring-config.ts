import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { KeyRingConfigError } from './errors';
import { KeyRing, SigningKey } from './key-ring';

/**
 * The key ring configuration: JSON, inline in an environment variable or in a file.
 *
 * ```json
 * { "keys": [
 *   { "selector": "cb-2025-06", "domain": "callbacks.example.com",
 *     "validFrom": "2025-06-01T00:00:00Z", "validUntil": "2025-07-06T00:00:00Z",
 *     "privateKeyFile": "/run/secrets/cb-2025-06.pem" },
 *   { "selector": "cb-2025-07", "domain": "callbacks.example.com",
 *     "validFrom": "2025-07-01T00:00:00Z", "validUntil": "2025-08-05T00:00:00Z",
 *     "privateKeyEnv": "SIGNING_KEY_CB_2025_07" } ] }
 * ```
 * Each entry names where its PEM is (`privateKeyFile` or `privateKeyEnv`, exactly one); the
 * configuration itself never holds key material.
 */
export interface KeyRingEntryConfig {
  readonly selector: string;
  readonly domain: string;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly privateKeyFile?: string;
  readonly privateKeyEnv?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export interface KeyRingSources {
  /** The environment holding `privateKeyEnv` variables (and, for `loadKeyRing`, the ring itself). */
  readonly env: Environment;
  /** Reads a PEM or ring file; defaults to `fs.readFileSync(path, 'utf8')`. */
  readonly readFile?: (path: string) => string;
}

export interface LoadKeyRingOptions extends KeyRingSources {
  /** Variable with the ring as inline JSON; default `SIGNING_KEY_RING`. */
  readonly ringVariable?: string;
  /** Variable with the path of a ring JSON file, used when the inline one is unset; default `SIGNING_KEY_RING_FILE`. */
  readonly ringFileVariable?: string;
}

/**
 * Loads the ring named by the environment a service's `main.ts` passes in: inline JSON in
 * `SIGNING_KEY_RING`, or a file named by `SIGNING_KEY_RING_FILE` (relative `privateKeyFile`
 * paths then resolve against that file's folder). Every key is parsed here, once.
 */
export function loadKeyRing(options: LoadKeyRingOptions): KeyRing {
  const ringVariable = options.ringVariable ?? 'SIGNING_KEY_RING';
  const ringFileVariable = options.ringFileVariable ?? 'SIGNING_KEY_RING_FILE';
  const source = readRingSource(options, ringVariable, ringFileVariable, 'key ring');
  if (source) return keyRingFromJson(source.json, { ...options, ...source });
  throw new KeyRingConfigError(
    `no key ring configured: set ${ringVariable} (JSON) or ${ringFileVariable} (path of a JSON file)`,
  );
}

/**
 * A ring's JSON, inline in `variable` or in the file `fileVariable` names (inline first), with
 * where it came from for error messages and, for a file, its folder to resolve key files against;
 * undefined when neither is set. Shared by the signing ring and the platform ring.
 */
export function readRingSource(
  sources: KeyRingSources,
  variable: string,
  fileVariable: string,
  what: string,
): { json: string; origin: string; baseDir?: string } | undefined {
  const inline = sources.env[variable];
  if (inline !== undefined && inline.trim() !== '') return { json: inline, origin: variable };
  const file = sources.env[fileVariable];
  if (file === undefined || file.trim() === '') return undefined;
  const json = readText(sources, file, `the ${what} file ${JSON.stringify(file)} (${fileVariable})`);
  return { json, origin: file, baseDir: dirname(resolve(file)) };
}

/** The objects of a ring's `keys` array, each with the path that names it in error messages. */
export function readRingEntries(json: string, origin: string): { at: string; raw: Record<string, unknown> }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // The parser's message quotes the input; a mistakenly pasted key must not reach a log that way.
    throw new KeyRingConfigError(`${origin} is not valid JSON`);
  }
  const keys = isObject(parsed) ? parsed['keys'] : undefined;
  if (!Array.isArray(keys)) throw new KeyRingConfigError(`${origin}: expected an object with a "keys" array`);
  return keys.map((raw: unknown, index) => {
    const at = `${origin}: keys[${index}]`;
    if (!isObject(raw)) throw new KeyRingConfigError(`${at} is not an object`);
    return { at, raw };
  });
}

/**
 * An entry's key material from exactly one of a variable (`env` names it) or a file (`file`,
 * relative to the ring file's folder); `fields` name the two in messages, `what` the file's content.
 */
export function readKeyMaterial(
  options: KeyRingSources & { readonly baseDir?: string },
  entry: { env: unknown; file: unknown },
  at: string,
  fields: { env: string; file: string; what: string },
): { text: string; source: string } {
  const hasFile = typeof entry.file === 'string' && entry.file !== '';
  const hasEnv = typeof entry.env === 'string' && entry.env !== '';
  if (hasFile === hasEnv) throw new KeyRingConfigError(`${at} needs exactly one of ${fields.file} and ${fields.env}`);
  if (hasEnv) {
    const variable = entry.env as string;
    const text = options.env[variable];
    if (text === undefined || text.trim() === '')
      throw new KeyRingConfigError(`${at}: the variable ${variable} is not set`);
    return { text, source: `variable ${variable}` };
  }
  const file = entry.file as string;
  const path = options.baseDir !== undefined && !isAbsolute(file) ? resolve(options.baseDir, file) : file;
  return {
    text: readText(options, path, `${at}: the ${fields.what} file ${JSON.stringify(path)}`),
    source: `file ${JSON.stringify(path)}`,
  };
}

/** Builds a ring from its JSON text. `origin` names the variable or file in error messages. */
export function keyRingFromJson(
  json: string,
  options: KeyRingSources & { readonly origin: string; readonly baseDir?: string },
): KeyRing {
  const entries = readEntries(json, options.origin);
  return new KeyRing(entries.map((entry, index) => signingKeyFromEntry(entry, index, options)));
}

function readEntries(json: string, origin: string): KeyRingEntryConfig[] {
  return readRingEntries(json, origin).map(({ at, raw }) => {
    for (const field of ['selector', 'domain', 'validFrom', 'validUntil'] as const) {
      if (typeof raw[field] !== 'string' || raw[field] === '')
        throw new KeyRingConfigError(`${at}.${field} must be a non-empty string`);
    }
    return raw as unknown as KeyRingEntryConfig;
  });
}

function signingKeyFromEntry(
  entry: KeyRingEntryConfig,
  index: number,
  options: KeyRingSources & { readonly origin: string; readonly baseDir?: string },
): SigningKey {
  const at = `${options.origin}: keys[${index}] (selector ${JSON.stringify(entry.selector)})`;
  const validFrom = readTime(entry.validFrom, `${at}.validFrom`);
  const validUntil = readTime(entry.validUntil, `${at}.validUntil`);
  const { text: pem, source } = readKeyMaterial(options, { env: entry.privateKeyEnv, file: entry.privateKeyFile }, at, {
    env: 'privateKeyEnv',
    file: 'privateKeyFile',
    what: 'private key',
  });
  const privateKey = parsePrivateKey(pem, `${at}: the private key in ${source}`);
  try {
    return new SigningKey({ selector: entry.selector, domain: entry.domain, validFrom, validUntil, privateKey });
  } catch (error) {
    if (error instanceof KeyRingConfigError) throw new KeyRingConfigError(`${at}: ${error.message}`);
    throw error;
  }
}

function parsePrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    // OpenSSL's messages do not echo the input, but only the code is kept to be certain.
    throw new KeyRingConfigError(`${what} is not a PEM private key${codeOf(error)}`);
  }
}

/** An ISO 8601 time with an explicit zone, or a KeyRingConfigError naming `what`. */
export function readTime(value: string, what: string): Date {
  // Only ISO 8601 with an explicit zone: a window must not shift with the host's time zone.
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new KeyRingConfigError(`${what} must be an ISO 8601 time with a zone, like 2025-06-01T00:00:00Z`);
  }
  return new Date(value);
}

/** A file's text through `options.readFile`, or a KeyRingConfigError naming `what` and the error code only. */
export function readText(options: KeyRingSources, path: string, what: string): string {
  try {
    return (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
  } catch (error) {
    throw new KeyRingConfigError(`${what} cannot be read${codeOf(error)}`);
  }
}

export function codeOf(error: unknown): string {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? ` (${code})` : '';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

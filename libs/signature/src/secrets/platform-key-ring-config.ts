import { dirname, isAbsolute, resolve } from 'node:path';
import { KeyRingConfigError } from '../errors';
import { isObject, type KeyRingSources, readText, readTime } from '../key-ring-config';
import { PlatformKeyRing } from './platform-key-ring';

/**
 * The platform key ring, configured like the signing key ring: JSON inline in
 * `SECRET_KEY_RING` or in the file named by `SECRET_KEY_RING_FILE`.
 *
 * ```json
 * { "keys": [
 *   { "id": "pk-2026-06", "created": "2026-06-01T00:00:00Z", "keyFile": "/run/secrets/pk-2026-06" },
 *   { "id": "pk-2026-12", "created": "2026-12-01T00:00:00Z", "keyEnv": "SECRET_KEY_PK_2026_12" } ] }
 * ```
 * Each key is the base64 of 32 random bytes (`openssl rand -base64 32`), in a file or variable;
 * the newest by `created` encrypts, all of them decrypt.
 */
export const SECRET_KEY_RING_VARIABLE = 'SECRET_KEY_RING';
export const SECRET_KEY_RING_FILE_VARIABLE = 'SECRET_KEY_RING_FILE';

/** The ring, or undefined when neither variable is set (no per-callback secrets then). Throws KeyRingConfigError when set but unusable. */
export function loadPlatformKeyRing(sources: KeyRingSources): PlatformKeyRing | undefined {
  const inline = sources.env[SECRET_KEY_RING_VARIABLE];
  if (inline !== undefined && inline.trim() !== '')
    return platformKeyRingFromJson(inline, { ...sources, origin: SECRET_KEY_RING_VARIABLE });
  const file = sources.env[SECRET_KEY_RING_FILE_VARIABLE];
  if (file !== undefined && file.trim() !== '') {
    const text = readText(
      sources,
      file,
      `the platform key ring file ${JSON.stringify(file)} (${SECRET_KEY_RING_FILE_VARIABLE})`,
    );
    return platformKeyRingFromJson(text, { ...sources, origin: file, baseDir: dirname(resolve(file)) });
  }
  return undefined;
}

export function platformKeyRingFromJson(
  json: string,
  options: KeyRingSources & { readonly origin: string; readonly baseDir?: string },
): PlatformKeyRing {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // The parser's message quotes the input, which may be a pasted key.
    throw new KeyRingConfigError(`${options.origin} is not valid JSON`);
  }
  const keys = isObject(parsed) ? parsed['keys'] : undefined;
  if (!Array.isArray(keys)) throw new KeyRingConfigError(`${options.origin}: expected an object with a "keys" array`);
  return new PlatformKeyRing(
    keys.map((raw: unknown, index) => {
      const at = `${options.origin}: keys[${index}]`;
      if (!isObject(raw)) throw new KeyRingConfigError(`${at} is not an object`);
      const { id, created, keyFile, keyEnv } = raw;
      if (typeof id !== 'string' || id === '') throw new KeyRingConfigError(`${at}.id must be a non-empty string`);
      if (typeof created !== 'string') throw new KeyRingConfigError(`${at}.created must be an ISO 8601 time`);
      const hasFile = typeof keyFile === 'string' && keyFile !== '';
      const hasEnv = typeof keyEnv === 'string' && keyEnv !== '';
      if (hasFile === hasEnv) throw new KeyRingConfigError(`${at} needs exactly one of keyFile and keyEnv`);
      const text = hasEnv ? readVariable(options, keyEnv as string, at) : readKeyFile(options, keyFile as string, at);
      return {
        id,
        created: readTime(created, `${at}.created`),
        key: decodeKey(text, `${at} (id ${JSON.stringify(id)})`),
      };
    }),
  );
}

function readVariable(options: KeyRingSources, variable: string, at: string): string {
  const value = options.env[variable];
  if (value === undefined || value.trim() === '')
    throw new KeyRingConfigError(`${at}: the variable ${variable} is not set`);
  return value;
}

function readKeyFile(options: KeyRingSources & { readonly baseDir?: string }, file: string, at: string): string {
  const path = options.baseDir !== undefined && !isAbsolute(file) ? resolve(options.baseDir, file) : file;
  return readText(options, path, `${at}: the key file ${JSON.stringify(path)}`);
}

function decodeKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Round-tripping rejects text that is not base64 at all, which Buffer would silently skip.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.byteLength !== 32)
    throw new KeyRingConfigError(`${what}: the key must be the base64 of 32 random bytes (openssl rand -base64 32)`);
  return key;
}

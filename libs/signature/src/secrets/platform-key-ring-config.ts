import { KeyRingConfigError } from '../errors';
import { type KeyRingSources, readKeyMaterial, readRingEntries, readRingSource, readTime } from '../key-ring-config';
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
  const source = readRingSource(sources, SECRET_KEY_RING_VARIABLE, SECRET_KEY_RING_FILE_VARIABLE, 'platform key ring');
  return source ? platformKeyRingFromJson(source.json, { ...sources, ...source }) : undefined;
}

export function platformKeyRingFromJson(
  json: string,
  options: KeyRingSources & { readonly origin: string; readonly baseDir?: string },
): PlatformKeyRing {
  return new PlatformKeyRing(
    readRingEntries(json, options.origin).map(({ at, raw }) => {
      const { id, created } = raw;
      if (typeof id !== 'string' || id === '') throw new KeyRingConfigError(`${at}.id must be a non-empty string`);
      if (typeof created !== 'string') throw new KeyRingConfigError(`${at}.created must be an ISO 8601 time`);
      const { text } = readKeyMaterial(options, { env: raw['keyEnv'], file: raw['keyFile'] }, at, {
        env: 'keyEnv',
        file: 'keyFile',
        what: 'key',
      });
      return {
        id,
        created: readTime(created, `${at}.created`),
        key: decodeKey(text, `${at} (id ${JSON.stringify(id)})`),
      };
    }),
  );
}

function decodeKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Round-tripping rejects text that is not base64 at all, which Buffer would silently skip.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.byteLength !== 32)
    throw new KeyRingConfigError(`${what}: the key must be the base64 of 32 random bytes (openssl rand -base64 32)`);
  return key;
}

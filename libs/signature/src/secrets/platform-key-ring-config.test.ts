import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyRingConfigError } from '../errors';
import { loadPlatformKeyRing } from './platform-key-ring-config';

const key = randomBytes(32).toString('base64');
const ring = (entries: unknown[]) => JSON.stringify({ keys: entries });

describe('loadPlatformKeyRing', () => {
  it('is undefined when neither variable is set: only the original scheme is offered', () => {
    expect(loadPlatformKeyRing({ env: {} })).toBeUndefined();
  });

  it('reads keys from variables and from files beside the ring file', () => {
    const files: Record<string, string> = {
      '/etc/callbacks/ring.json': ring([
        { id: 'a', created: '2026-01-01T00:00:00Z', keyFile: 'a.key' },
        { id: 'b', created: '2026-02-01T00:00:00Z', keyEnv: 'KEY_B' },
      ]),
      '/etc/callbacks/a.key': `${key}\n`,
    };
    const loaded = loadPlatformKeyRing({
      env: { SECRET_KEY_RING_FILE: '/etc/callbacks/ring.json', KEY_B: randomBytes(32).toString('base64') },
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        return text;
      },
    });
    expect(loaded?.ids).toEqual(['a', 'b']);
    expect(loaded?.current).toBe('b');
  });

  it.each([
    ['not JSON', '{', /SECRET_KEY_RING is not valid JSON/],
    ['no keys array', '{}', /expected an object with a "keys" array/],
    ['no created time', ring([{ id: 'a', keyEnv: 'K' }]), /keys\[0\]\.created must be an ISO 8601 time/],
    ['a time without zone', ring([{ id: 'a', created: '2026-01-01', keyEnv: 'K' }]), /with a zone/],
    ['both sources', ring([{ id: 'a', created: '2026-01-01T00:00:00Z', keyEnv: 'K', keyFile: 'f' }]), /exactly one/],
    ['an unset variable', ring([{ id: 'a', created: '2026-01-01T00:00:00Z', keyEnv: 'UNSET' }]), /UNSET is not set/],
    ['a short key', ring([{ id: 'a', created: '2026-01-01T00:00:00Z', keyEnv: 'SHORT' }]), /base64 of 32 random bytes/],
    ['a key that is not base64', ring([{ id: 'a', created: '2026-01-01T00:00:00Z', keyEnv: 'PEM' }]), /base64 of 32/],
  ])('refuses %s with a message naming the problem', (_case, json, message) => {
    const env = {
      SECRET_KEY_RING: json,
      K: key,
      SHORT: randomBytes(16).toString('base64'),
      PEM: '-----BEGIN PRIVATE KEY-----',
    };
    let error: unknown;
    try {
      loadPlatformKeyRing({ env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeyRingConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(key);
  });

  it('names a ring file it cannot read, by its code only', () => {
    expect(() => loadPlatformKeyRing({ env: { SECRET_KEY_RING_FILE: '/nowhere/ring.json' } })).toThrow(
      /the platform key ring file "\/nowhere\/ring.json" \(SECRET_KEY_RING_FILE\) cannot be read \(ENOENT\)/,
    );
  });
});

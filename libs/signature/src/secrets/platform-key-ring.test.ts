import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeyRingConfigError, SealedSecretError } from '../errors';
import { PlatformKeyRing } from './platform-key-ring';

const older = { id: 'pk-2026-06', created: new Date('2026-06-01T00:00:00Z'), key: randomBytes(32) };
const newer = { id: 'pk-2026-12', created: new Date('2026-12-01T00:00:00Z'), key: randomBytes(32) };
const secret = Buffer.from('the callback secret, 32 bytes!!!');

describe('PlatformKeyRing', () => {
  it('opens what it sealed, and the ciphertext does not contain the secret', () => {
    const ring = new PlatformKeyRing([older]);
    const sealed = ring.seal(secret, 'cb_1/key_1');
    expect(sealed.platformKeyId).toBe('pk-2026-06');
    expect(Buffer.from(sealed.ciphertext).includes(secret)).toBe(false);
    expect(ring.open(sealed, 'cb_1/key_1')).toEqual(secret);
  });

  it('after a rotation seals with the newest key and still opens what older keys sealed', () => {
    const before = new PlatformKeyRing([older]).seal(secret, 'ctx');
    const rotated = new PlatformKeyRing([newer, older]);
    expect(rotated.current).toBe('pk-2026-12');
    expect(rotated.seal(secret, 'ctx').platformKeyId).toBe('pk-2026-12');
    expect(rotated.open(before, 'ctx')).toEqual(secret);
    // Once the old key is dropped from the ring, what it sealed no longer opens.
    expect(() => new PlatformKeyRing([newer]).open(before, 'ctx')).toThrow(SealedSecretError);
  });

  it('refuses a ciphertext moved to another callback, altered, or truncated', () => {
    const ring = new PlatformKeyRing([older]);
    const sealed = ring.seal(secret, 'cb_1/key_1');
    expect(() => ring.open(sealed, 'cb_2/key_1')).toThrow(/does not authenticate/);
    const altered = Buffer.from(sealed.ciphertext);
    altered[0]! ^= 1;
    expect(() => ring.open({ ...sealed, ciphertext: altered }, 'cb_1/key_1')).toThrow(SealedSecretError);
    expect(() => ring.open({ ...sealed, ciphertext: altered.subarray(0, 8) }, 'cb_1/key_1')).toThrow(/truncated/);
  });

  it('once it opened a secret, still refuses it under another context or altered, and hands out copies', () => {
    const ring = new PlatformKeyRing([older]);
    const sealed = ring.seal(secret, 'cb_1/key_1');
    const first = ring.open(sealed, 'cb_1/key_1');
    first.fill(0); // a caller scribbling on its copy changes nothing for the next
    expect(ring.open(sealed, 'cb_1/key_1')).toEqual(secret);
    expect(() => ring.open(sealed, 'cb_2/key_1')).toThrow(/does not authenticate/);
    const altered = Buffer.from(sealed.ciphertext);
    altered[altered.byteLength - 1]! ^= 1;
    expect(() => ring.open({ ...sealed, ciphertext: altered }, 'cb_1/key_1')).toThrow(SealedSecretError);
    expect(() => ring.open({ ...sealed, nonce: randomBytes(12) }, 'cb_1/key_1')).toThrow(SealedSecretError);
    expect(inspect(ring)).not.toContain(secret.toString('base64'));
  });

  it('refuses bad keys with a clear message and never shows key material', () => {
    expect(() => new PlatformKeyRing([])).toThrow(KeyRingConfigError);
    expect(() => new PlatformKeyRing([{ ...older, key: randomBytes(16) }])).toThrow(/16 bytes, AES-256 needs 32/);
    expect(() => new PlatformKeyRing([older, older])).toThrow(/twice/);
    expect(() => new PlatformKeyRing([{ ...older, id: 'a b' }])).toThrow(/is not/);
    const ring = new PlatformKeyRing([older, newer]);
    const shown = `${inspect(ring)} ${JSON.stringify(ring)}`;
    expect(shown).toContain('pk-2026-12');
    expect(shown).not.toContain(older.key.toString('base64'));
    expect(shown).not.toContain(older.key.toString('hex'));
  });
});

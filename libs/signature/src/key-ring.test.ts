import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeyRingConfigError, NoValidSigningKeyError } from './errors';
import { KeyRing, SigningKey } from './key-ring';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateDer = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
const key = (selector: string, from: string, until: string, pk = privateKey) =>
  new SigningKey({
    selector,
    domain: 'callbacks.test',
    validFrom: new Date(from),
    validUntil: new Date(until),
    privateKey: pk,
  });

describe('SigningKey', () => {
  it('derives the keyId and lowercases selector and domain', () => {
    const k = new SigningKey({
      selector: 'CB-1',
      domain: 'Callbacks.Test.',
      validFrom: new Date('2025-01-01T00:00:00Z'),
      validUntil: new Date('2025-02-01T00:00:00Z'),
      privateKey,
    });
    expect(k.keyId).toBe('cb-1._domainkey.callbacks.test');
  });

  it('never shows the private key when inspected, serialised or logged', () => {
    const k = key('cb-1', '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z');
    const ring = new KeyRing([k]);
    for (const shown of [
      inspect(k, { showHidden: true, depth: 10 }),
      inspect(ring, { showHidden: true, depth: 10 }),
      JSON.stringify(k),
      JSON.stringify(ring),
      String(k),
    ]) {
      expect(shown).not.toContain(privateDer.slice(40, 80));
      expect(shown).not.toMatch(/PRIVATE KEY/);
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({
      keys: [
        {
          keyId: 'cb-1._domainkey.callbacks.test',
          validFrom: '2025-01-01T00:00:00.000Z',
          validUntil: '2025-02-01T00:00:00.000Z',
        },
      ],
    });
  });

  it.each([
    [
      'a selector that is not a DNS label',
      () => key('cb 1', '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'),
      /selector/,
    ],
    ['an empty window', () => key('cb', '2025-02-01T00:00:00Z', '2025-02-01T00:00:00Z'), /before validUntil/],
    [
      'a 1024-bit key',
      () =>
        key(
          'cb',
          '2025-01-01T00:00:00Z',
          '2025-02-01T00:00:00Z',
          generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
        ),
      /1024 bits/,
    ],
    [
      'an EC key',
      () =>
        key(
          'cb',
          '2025-01-01T00:00:00Z',
          '2025-02-01T00:00:00Z',
          generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
        ),
      /not an RSA private key/,
    ],
  ])('refuses %s', (_name, make, message) => {
    expect(make).toThrow(KeyRingConfigError);
    expect(make).toThrow(message);
  });
});

describe('KeyRing', () => {
  const may = key('cb-2025-05', '2025-05-01T00:00:00Z', '2025-06-05T00:00:00Z');
  const june = key('cb-2025-06', '2025-06-01T00:00:00Z', '2025-07-05T00:00:00Z');
  const ring = new KeyRing([june, may]);

  it('picks the key valid now, preferring the newest that has started when windows overlap', () => {
    expect(ring.current(Date.parse('2025-05-15T00:00:00Z'))).toBe(may);
    expect(ring.current(new Date('2025-05-31T23:59:59.999Z'))).toBe(may);
    expect(ring.current(Date.parse('2025-06-01T00:00:00Z'))).toBe(june);
    expect(ring.current(Date.parse('2025-07-04T00:00:00Z'))).toBe(june);
  });

  it('treats validUntil as the first moment a key no longer signs', () => {
    expect(() => ring.current(Date.parse('2025-07-05T00:00:00Z'))).toThrow(NoValidSigningKeyError);
  });

  it('says clearly when no key is valid', () => {
    expect(() => ring.current(Date.parse('2025-04-30T00:00:00Z'))).toThrow(
      'no signing key in the key ring is valid at 2025-04-30T00:00:00.000Z',
    );
  });

  it('refuses an empty ring and a keyId listed twice', () => {
    expect(() => new KeyRing([])).toThrow(KeyRingConfigError);
    expect(() => new KeyRing([may, key('cb-2025-05', '2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z')])).toThrow(
      /twice/,
    );
  });
});

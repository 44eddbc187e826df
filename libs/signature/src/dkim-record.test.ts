import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatDkimRecord, parseDkimRecord, unreadableByOriginalLibrary } from './dkim-record';

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const sameKey = (record: string) => {
  const parsed = parseDkimRecord(record);
  return parsed.ok && parsed.publicKey.equals(publicKey);
};

describe('DKIM key record', () => {
  it('is written as v=DKIM1;k=rsa;p=<SubjectPublicKeyInfo>, without spaces, and read back', () => {
    const record = formatDkimRecord(publicKey);
    expect(record).toBe(`v=DKIM1;k=rsa;p=${p}`);
    expect(sameKey(record)).toBe(true);
  });

  it('reads the spaced form that earlier versions of the keys tool printed', () => {
    expect(sameKey(`v=DKIM1; k=rsa; p=${p}`)).toBe(true);
  });

  it.each([
    [2048, false],
    [3072, true],
    [4096, true],
  ])(
    'says whether the original PHP library can read the record of a %i-bit key (padded: %s)',
    { timeout: 60_000 },
    (bits, padded) => {
      const key = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey;
      const record = formatDkimRecord(key);
      expect(record.endsWith('=')).toBe(padded);
      expect(unreadableByOriginalLibrary(record)).toEqual(padded ? expect.stringMatching(/padding/) : undefined);
    },
  );

  it.each([
    ['no spaces', `v=DKIM1;k=rsa;p=${p}`],
    ['extra spaces and tabs', `  v = DKIM1 ;\tk= rsa ;  p =${p} ; `],
    ['another tag order', `p=${p}; k=rsa; v=DKIM1`],
    [
      'p= wrapped with spaces, as zone files split it',
      `v=DKIM1; k=rsa; p=${p.slice(0, 100)} ${p.slice(100, 200)}\t${p.slice(200)}`,
    ],
    ['only p=', `p=${p}`],
    ['unknown and optional tags', `v=DKIM1; h=sha1:sha256; k=rsa; s=email; t=s; n=rotated monthly; x=1; p=${p}`],
    [
      'a bare PKCS#1 RSAPublicKey',
      `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64')}`,
    ],
  ])('reads a record with %s', (_name, record) => {
    expect(sameKey(record)).toBe(true);
  });

  it.each([
    ['a revoked key (empty p=)', 'v=DKIM1; k=rsa; p=', /revoked/],
    ['no p=', 'v=DKIM1; k=rsa', /no p=/],
    ['another version', `v=DKIM2; p=${p}`, /version/],
    ['another key type', `v=DKIM1; k=ed25519; p=${p}`, /key type/],
    ['a hash list without sha256', `v=DKIM1; h=sha1; p=${p}`, /sha256/],
    ['a repeated tag', `v=DKIM1; p=${p}; p=${p}`, /more than once/],
    ['a tag without =', `v=DKIM1; rsa; p=${p}`, /without "="/],
    ['p= that is not base64', 'v=DKIM1; p=not*base64', /not base64/],
    ['p= that is not a key', `v=DKIM1; p=${Buffer.from('hello').toString('base64')}`, /not an RSA public key/],
    [
      'a 1024-bit key',
      `p=${generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
      /1024 bits/,
    ],
    [
      'an EC key',
      `p=${generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
      /not an RSA/,
    ],
  ])('refuses %s', (_name, record, message) => {
    const parsed = parseDkimRecord(record);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });
});

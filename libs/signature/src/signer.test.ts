import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NoValidSigningKeyError, SigningInputError } from './errors';
import { KeyRing, SigningKey } from './key-ring';
import { signRequest } from './signer';

const key = new SigningKey({
  selector: 'cb',
  domain: 'callbacks.test',
  validFrom: new Date('2025-01-01T00:00:00Z'),
  validUntil: new Date('2026-01-01T00:00:00Z'),
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
});
const keyRing = new KeyRing([key]);
const NOW = Date.parse('2025-06-03T10:15:30.750Z');
const body = Buffer.from('type=update&profile=12&fields[name]=piet');
const sign = (overrides: Partial<Parameters<typeof signRequest>[0]> = {}) =>
  signRequest(
    {
      url: 'https://hooks.example.org:8443/in/copernica?src=crm#frag',
      contentType: 'application/x-www-form-urlencoded',
      body,
      accountId: '42',
      ...overrides,
    },
    { keyRing, now: () => NOW, nonce: () => 'nonce-1' },
  );

describe('signRequest', () => {
  it('returns every signed header with the values the receiver must see', () => {
    const headers = sign();
    expect(headers).toMatchObject({
      Host: 'hooks.example.org:8443',
      Date: 'Tue, 03 Jun 2025 10:15:30 GMT',
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(body.length),
      Digest: expect.stringMatching(/^sha-256=[A-Za-z0-9+/]{43}=$/),
      'X-Copernica-ID': 'account_42',
      'X-Nonce': 'nonce-1',
    });
    expect(headers.Signature).toMatch(
      /^keyId="cb\._domainkey\.callbacks\.test",algorithm="rsa-sha256",headers="\(request-target\) host date content-length content-type x-copernica-id digest x-nonce",signature="[A-Za-z0-9+/]+={0,2}"$/,
    );
  });

  it('signs the signing string of SPEC §7.2: path and query, no fragment, no trailing newline', () => {
    const headers = sign();
    const signature = Buffer.from(/signature="([^"]+)"/.exec(headers.Signature)![1]!, 'base64');
    const signingString = [
      '(request-target): post /in/copernica?src=crm',
      'host: hooks.example.org:8443',
      `date: ${headers.Date}`,
      `content-length: ${body.length}`,
      'content-type: application/x-www-form-urlencoded',
      'x-copernica-id: account_42',
      `digest: ${headers.Digest}`,
      'x-nonce: nonce-1',
    ].join('\n');
    expect(verify('sha256', Buffer.from(signingString), key.publicKey, signature)).toBe(true);
  });

  it('leaves the port out of Host when it is the default one', () => {
    expect(sign({ url: 'https://hooks.example.org:443/x' }).Host).toBe('hooks.example.org');
  });

  it('uses a fresh random nonce per attempt by default', () => {
    const request = { url: 'https://hooks.example.org/x', contentType: 'application/json', body, accountId: '42' };
    const a = signRequest(request, { keyRing, now: () => NOW });
    const b = signRequest(request, { keyRing, now: () => NOW });
    expect(a['X-Nonce']).not.toBe(b['X-Nonce']);
  });

  it.each([
    ['an account id outside the id alphabet', { accountId: '42\nx-evil: 1' }],
    ['an empty account id', { accountId: '' }],
    ['a content type with a line break', { contentType: 'application/json\r\nx: y' }],
    ['a content type with surrounding spaces', { contentType: ' application/json' }],
  ])('refuses %s', (_name, overrides) => {
    expect(() => sign(overrides)).toThrow(SigningInputError);
  });

  it('fails with NoValidSigningKeyError when the ring has no key for now', () => {
    expect(() =>
      signRequest(
        { url: 'https://x.test/', contentType: 'a/b', body, accountId: '1' },
        { keyRing, now: () => Date.parse('2027-01-01T00:00:00Z') },
      ),
    ).toThrow(NoValidSigningKeyError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSignatureHeader, parseSignatureHeader } from './signature-header';

const HEADER =
  'keyId="cb._domainkey.callbacks.test",algorithm="rsa-sha256",headers="(request-target) host date x-copernica-id digest",signature="c2lnbmF0dXJl"';

describe('Signature header', () => {
  it('parses the form the signer writes', () => {
    expect(parseSignatureHeader(HEADER)).toEqual({
      ok: true,
      params: {
        keyId: 'cb._domainkey.callbacks.test',
        algorithm: 'rsa-sha256',
        headers: ['(request-target)', 'host', 'date', 'x-copernica-id', 'digest'],
        signature: 'c2lnbmF0dXJl',
      },
    });
  });

  it('tolerates spacing, parameter-name case, header-name case, order and unknown parameters', () => {
    const loose =
      '  Signature = "c2lnbmF0dXJl" ,\tHEADERS="(Request-Target)  Host DATE X-Copernica-ID Digest" , ext="x", KEYID = "cb._domainkey.callbacks.test",algorithm=rsa-sha256 ';
    expect(parseSignatureHeader(loose)).toEqual(parseSignatureHeader(HEADER));
  });

  it('unescapes quoted pairs', () => {
    const parsed = parseSignatureHeader('keyId="a\\"b\\\\c",signature="x"');
    expect(parsed.ok && parsed.params.keyId).toBe('a"b\\c');
  });

  it('leaves headers undefined when the parameter is absent', () => {
    const parsed = parseSignatureHeader('keyId="k",signature="s"');
    expect(parsed.ok && parsed.params.headers).toBeUndefined();
  });

  it.each([
    ['a repeated parameter', 'keyId="a",keyId="b",signature="s"'],
    ['a repeated parameter in another case', 'keyId="a",KeyId="a",signature="s"'],
    ['no keyId', 'signature="s"'],
    ['an empty signature', 'keyId="k",signature=""'],
    ['an unterminated quote', 'keyId="k,signature="s'],
    ['a missing comma', 'keyId="k" signature="s"'],
    ['a missing value separator', 'keyId "k",signature="s"'],
    ['a header named twice', 'keyId="k",headers="date Date",signature="s"'],
    ['garbage', ',,,'],
  ])('refuses %s', (_name, value) => {
    expect(parseSignatureHeader(value)).toMatchObject({ ok: false });
  });

  it('parses a header that repeats the previous one but for the signature', () => {
    parseSignatureHeader(HEADER);
    expect(parseSignatureHeader(HEADER.replace('c2lnbmF0dXJl', 'b3RoZXI='))).toEqual({
      ok: true,
      params: {
        keyId: 'cb._domainkey.callbacks.test',
        algorithm: 'rsa-sha256',
        headers: ['(request-target)', 'host', 'date', 'x-copernica-id', 'digest'],
        signature: 'b3RoZXI=',
      },
    });
  });

  // The signer's prefix is remembered between calls; what follows it must still be read in full.
  it.each([
    [
      'an escaped quote in the signature',
      'a\\"b"',
      { ok: true, params: { keyId: 'cb._domainkey.callbacks.test', signature: 'a"b' } },
    ],
    [
      'a parameter after the signature',
      'c2ln", ext="x"',
      { ok: true, params: { keyId: 'cb._domainkey.callbacks.test', signature: 'c2ln' } },
    ],
    ['an empty signature', '"', { ok: false }],
    ['no closing quote', 'c2ln', { ok: false }],
  ])('reads a header that repeats the previous prefix but then has %s', (_name, rest, expected) => {
    const prefix = HEADER.slice(0, HEADER.indexOf('signature="') + 'signature="'.length);
    parseSignatureHeader(HEADER);
    expect(parseSignatureHeader(prefix + rest)).toMatchObject(expected);
  });

  it('parses whatever it formats', () => {
    const token = fc.stringMatching(/^[a-z0-9._()-]{1,20}$/);
    fc.assert(
      fc.property(
        token,
        fc.array(token, { minLength: 1, maxLength: 8 }),
        fc.base64String({ minLength: 4 }),
        (keyId, names, signature) => {
          const headers = [...new Set(names)];
          const parsed = parseSignatureHeader(
            formatSignatureHeader({ keyId, algorithm: 'rsa-sha256', headers, signature }),
          );
          expect(parsed).toEqual({ ok: true, params: { keyId, algorithm: 'rsa-sha256', headers, signature } });
        },
      ),
    );
  });
});

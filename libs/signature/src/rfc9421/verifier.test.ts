import { generateKeyPairSync, hash, type KeyObject, sign, verify } from 'node:crypto';
import { httpbis } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../create-verifier';
import type { IncomingRequest } from '../verification';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const CREATED = NOW / 1000;
const URL_ = 'https://receiver.test/hooks/copernica?v=1';
const BODY = Buffer.from('{"id":"dlv_7","type":"create"}');
const current = generateKeyPairSync('ed25519');
const previous = generateKeyPairSync('ed25519');
const rawPublic = (key: KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url').toString('base64');

const COMPONENTS = '("@method" "@target-uri" "content-type" "content-length" "content-digest")';
const params = (keyId: string, created = CREATED, alg = 'ed25519') =>
  `${COMPONENTS};created=${created};keyid="${keyId}";alg="${alg}"`;
const contentDigest = (body = BODY) => `sha-256=:${hash('sha256', body, 'base64')}:`;

/** The signature base of RFC 9421 §2.5, written out by hand so the verifier's own builder is not trusted. */
function signed(privateKey: KeyObject, signatureParams: string, body = BODY): string {
  const base = [
    `"@method": POST`,
    `"@target-uri": ${URL_}`,
    `"content-type": application/json`,
    `"content-length": ${body.length}`,
    `"content-digest": ${contentDigest(body)}`,
    `"@signature-params": ${signatureParams}`,
  ].join('\n');
  return sign(null, Buffer.from(base), privateKey).toString('base64');
}

function request(overrides: Record<string, string> = {}, body = BODY): IncomingRequest {
  return {
    method: 'POST',
    path: '/hooks/copernica?v=1',
    url: URL_,
    headers: {
      'content-type': 'application/json',
      'content-length': String(BODY.length),
      'content-digest': contentDigest(),
      'signature-input': `sig1=${params('cb-2026-03')}`,
      signature: `sig1=:${signed(current.privateKey, params('cb-2026-03'))}:`,
      ...overrides,
    },
    body,
  };
}
const verifier = (keys: Record<string, KeyObject | string> = { 'cb-2026-03': rawPublic(current.publicKey) }) =>
  createVerifier({ scheme: 'rfc9421', keys, now: () => NOW });

describe('RFC 9421 (ed25519, Content-Digest)', () => {
  it('accepts a signature made with node:crypto, with the key as raw base64, PEM or KeyObject', async () => {
    const pem = current.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const key of [rawPublic(current.publicKey), pem, current.publicKey])
      expect(await verifier({ 'cb-2026-03': key }).verify(request())).toEqual({ ok: true, keyId: 'cb-2026-03' });
  });

  it('accepts either label during a rotation, whichever key the receiver still trusts', async () => {
    const both = {
      'signature-input': `sig1=${params('cb-2026-03')}, sig2=${params('cb-2026-02')}`,
      signature: `sig1=:${signed(current.privateKey, params('cb-2026-03'))}:, sig2=:${signed(previous.privateKey, params('cb-2026-02'))}:`,
    };
    expect(await verifier({ 'cb-2026-02': rawPublic(previous.publicKey) }).verify(request(both))).toEqual({
      ok: true,
      keyId: 'cb-2026-02',
    });
    expect(await verifier().verify(request(both))).toEqual({ ok: true, keyId: 'cb-2026-03' });
  });

  it.each([
    ['a tampered body', {}, Buffer.from('{"id":"dlv_7","type":"delete"}'), 'digest_mismatch'],
    ['a recomputed digest', { 'content-digest': contentDigest(Buffer.from('{}')) }, Buffer.from('{}'), 'bad_signature'],
    ['another content type', { 'content-type': 'text/plain' }, BODY, 'bad_signature'],
    ['a signature 301 s old', { 'signature-input': `sig1=${params('cb-2026-03', CREATED - 301)}` }, BODY, 'stale_date'],
    ['no created', { 'signature-input': `sig1=${COMPONENTS};keyid="cb-2026-03"` }, BODY, 'bad_date'],
    ['an unknown keyid', { 'signature-input': `sig1=${params('someone-else')}` }, BODY, 'unknown_key'],
    [
      'another algorithm',
      { 'signature-input': `sig1=${params('cb-2026-03', CREATED, 'rsa-pss-sha512')}` },
      BODY,
      'unsupported_algorithm',
    ],
    [
      'a body not covered',
      { 'signature-input': `sig1=("@method" "@target-uri");created=${CREATED};keyid="cb-2026-03"` },
      BODY,
      'missing_signed_header',
    ],
    ['no Signature header', { signature: '' }, BODY, 'bad_signature_header'],
    ['a Signature-Input that does not parse', { 'signature-input': 'sig1=("@method"' }, BODY, 'bad_signature_header'],
    ['a Content-Digest without sha-256', { 'content-digest': 'sha-512=:AAAA:' }, BODY, 'bad_digest_header'],
    ['another target', {}, BODY, 'bad_signature', 'https://receiver.test/other'],
  ])('refuses %s', async (_case, headers, body, reason, url = URL_) => {
    const result = await verifier().verify({ ...request(headers, body), url });
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('says which header is missing', async () => {
    const { signature: _omitted, ...headers } = request().headers as Record<string, string>;
    expect(await verifier().verify({ ...request(), headers })).toMatchObject({
      ok: false,
      reason: 'missing_header',
      message: 'the Signature header is missing',
    });
  });

  it('refuses to start with a key that is not ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(() => createVerifier({ scheme: 'rfc9421', keys: { k: rsa } })).toThrow(/keyid "k" is not ed25519/);
    expect(() => createVerifier({ scheme: 'rfc9421', keys: { k: 'AAAA' } })).toThrow(/keyid "k" cannot be read/);
  });
});

describe('RFC 9421 against an independent implementation (http-message-signatures@1.0.6)', () => {
  const fields = ['@method', '@target-uri', 'content-type', 'content-length', 'content-digest'];
  const base = request();
  const unsigned = {
    method: 'POST',
    url: URL_,
    headers: {
      'content-type': 'application/json',
      'content-length': String(BODY.length),
      'content-digest': contentDigest(),
    },
  };

  it('accepts what that library signs, and refuses it with another content type', async () => {
    const signedByLibrary = await httpbis.signMessage(
      {
        key: { id: 'cb-2026-03', alg: 'ed25519', sign: async (data) => sign(null, data, current.privateKey) },
        name: 'sig1',
        fields,
        params: ['created', 'keyid', 'alg'],
        paramValues: { created: new Date(NOW) },
      },
      unsigned,
    );
    const headers = signedByLibrary.headers as Record<string, string>;
    expect(await verifier().verify({ ...base, headers })).toEqual({ ok: true, keyId: 'cb-2026-03' });
    expect(await verifier().verify({ ...base, headers: { ...headers, 'content-type': 'text/plain' } })).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('signs by hand what that library accepts, so both read the signature base alike', async () => {
    const keyLookup = async () => ({
      id: 'cb-2026-03',
      algs: ['ed25519'],
      verify: async (data: Buffer, signature: Buffer) => verify(null, data, current.publicKey, signature),
    });
    const ours = base.headers as Record<string, string>;
    expect(await verifier().verify(base)).toMatchObject({ ok: true });
    expect(await httpbis.verifyMessage({ keyLookup }, { ...unsigned, headers: ours })).toBe(true);
    const tampered = { ...unsigned, headers: { ...ours, 'content-length': '1' } };
    expect(await httpbis.verifyMessage({ keyLookup }, tampered)).toBe(false);
  });
});

describe('createVerifier', () => {
  it('names the schemes it knows when given another', () => {
    expect(() => createVerifier({ scheme: 'hmac' } as never)).toThrow(/unknown scheme "hmac"/);
  });
});

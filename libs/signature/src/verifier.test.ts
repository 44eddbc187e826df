import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestHeaderValue } from './digest';
import { formatDkimRecord } from './dkim-record';
import { formatHttpDate } from './http-date';
import { KeyRing, SigningKey } from './key-ring';
import { formatSignatureHeader } from './signature-header';
import { type SignedHeaders, signRequest } from './signer';
import { buildSigningString } from './signing-string';
import type { TxtResolver } from './txt-resolver';
import type { IncomingRequest } from './verification';
import {
  type CopernicaVerifierOptions as VerifierOptions,
  createCopernicaVerifier as createVerifier,
} from './verifier';

const key = new SigningKey({
  selector: 'cb',
  domain: 'keys.callbacks.test',
  validFrom: new Date('2025-01-01T00:00:00Z'),
  validUntil: new Date('2026-01-01T00:00:00Z'),
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
});
const NOW = Date.parse('2025-06-03T10:15:30Z');
const BODY = Buffer.from('<callback><type>update</type></callback>');
const URL_ = 'https://receiver.test/hook?a=1';

/** Keys from memory, counting queries: these are unit tests; DNS has its own round-trip test. */
function memoryResolver() {
  const queries: string[] = [];
  const resolver: TxtResolver = {
    resolveTxt: async (name) => {
      queries.push(name);
      return name === key.keyId ? [[formatDkimRecord(key.publicKey)]] : [];
    },
  };
  return { resolver, queries };
}
const verifierWith = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({
    accountId: '42',
    allowedDomains: ['callbacks.test'],
    resolver: memoryResolver().resolver,
    now: () => NOW,
    ...options,
  });
const signed = (now = NOW): SignedHeaders =>
  signRequest(
    { url: URL_, contentType: 'application/xml', body: BODY, accountId: '42' },
    { keyRing: new KeyRing([key]), now: () => now },
  );
const lowercased = (headers: SignedHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
const request = (headers: IncomingRequest['headers'], body = BODY): IncomingRequest => ({
  method: 'POST',
  path: '/hook?a=1',
  headers,
  body,
});

describe('createVerifier: header sources', () => {
  it('reads Node IncomingHttpHeaders (lowercase keys)', async () => {
    expect(await verifierWith().verify(request(lowercased(signed())))).toEqual({ ok: true, keyId: key.keyId });
  });

  it('reads Node headersDistinct (arrays) and spots a repeat there', async () => {
    const distinct = Object.fromEntries(Object.entries(lowercased(signed())).map(([name, value]) => [name, [value]]));
    expect(await verifierWith().verify(request(distinct))).toMatchObject({ ok: true });
    distinct['x-nonce'] = ['a', 'b'];
    expect(await verifierWith().verify(request(distinct))).toMatchObject({ ok: false, reason: 'duplicate_header' });
  });

  it('reads a fetch Headers object', async () => {
    expect(await verifierWith().verify(request(new Headers({ ...signed() })))).toMatchObject({ ok: true });
  });

  it('spots a repeat in another case after requests with lowercase names only', async () => {
    const verifier = verifierWith();
    const headers = lowercased(signed());
    expect(await verifier.verify(request(headers))).toMatchObject({ ok: true });
    expect(await verifier.verify(request({ ...headers, 'X-Copernica-ID': 'account_43' }))).toMatchObject({
      reason: 'duplicate_header',
    });
  });

  it('reads header names in any case', async () => {
    const shouting = Object.fromEntries(Object.entries(signed()).map(([name, value]) => [name.toUpperCase(), value]));
    expect(await verifierWith().verify(request(shouting))).toMatchObject({ ok: true });
  });
});

describe('createVerifier: checks', () => {
  it('accepts a Date exactly at the edge of the window, either way, and honours a custom window', async () => {
    expect(await verifierWith().verify(request(signed(NOW - 60_000)))).toMatchObject({ ok: true });
    expect(await verifierWith().verify(request(signed(NOW + 60_000)))).toMatchObject({ ok: true });
    expect(await verifierWith().verify(request(signed(NOW - 61_000)))).toMatchObject({
      reason: 'stale_date',
      message: expect.stringMatching(/61 s behind/),
    });
    expect(await verifierWith({ dateWindowSeconds: 300 }).verify(request(signed(NOW + 299_000)))).toMatchObject({
      ok: true,
    });
  });

  it('accepts keys under an allowed domain written in another case or with a trailing dot', async () => {
    expect(await verifierWith({ allowedDomains: ['Callbacks.TEST.'] }).verify(request(signed()))).toMatchObject({
      ok: true,
    });
    expect(await verifierWith({ allowedDomains: ['keys.callbacks.test'] }).verify(request(signed()))).toMatchObject({
      ok: true,
    });
    expect(await verifierWith({ allowedDomains: ['other.test'] }).verify(request(signed()))).toMatchObject({
      reason: 'key_domain_not_allowed',
    });
  });

  it('accepts a signature over just the required headers, from another sender implementation', async () => {
    const names = ['(request-target)', 'host', 'date', 'x-copernica-id', 'digest'];
    const headers: Record<string, string> = {
      host: 'receiver.test',
      date: formatHttpDate(NOW),
      'x-copernica-id': 'account_42',
      digest: digestHeaderValue(BODY),
    };
    const signature = key
      .sign(buildSigningString(names, 'POST', '/hook?a=1', (name) => headers[name]!))
      .toString('base64');
    headers['signature'] = formatSignatureHeader({
      keyId: key.keyId,
      algorithm: 'rsa-sha256',
      headers: names,
      signature,
    });
    expect(await verifierWith().verify(request(headers))).toEqual({ ok: true, keyId: key.keyId });
  });

  it('refuses pseudo-headers of later drafts, which this scheme does not sign', async () => {
    const headers = lowercased(signed());
    headers['signature'] = headers['signature']!.replace('headers="', 'headers="(created) ');
    expect(await verifierWith().verify(request(headers))).toMatchObject({ reason: 'bad_signature_header' });
  });

  it('refuses a signature that is not base64 before looking up any key', async () => {
    const headers = lowercased(signed());
    headers['signature'] = headers['signature']!.replace(/signature="[^"]*"/, 'signature="not base64!"');
    expect(await verifierWith().verify(request(headers))).toMatchObject({ reason: 'bad_signature_header' });
  });

  it('tells a long but well-formed signature (it does not verify) from one that is not base64', async () => {
    const withSignature = (value: string) => {
      const headers = lowercased(signed());
      headers['signature'] = headers['signature']!.replace(/signature="[^"]*"/, `signature="${value}"`);
      return request(headers);
    };
    expect(await verifierWith().verify(withSignature('A'.repeat(2000)))).toMatchObject({ reason: 'bad_signature' });
    expect(await verifierWith().verify(withSignature(`${'A'.repeat(1999)}!`))).toMatchObject({
      reason: 'bad_signature_header',
    });
  });

  it('verifies each of several requests that wait together for the key with its own signature', async () => {
    let answer: (() => void) | undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const resolver: TxtResolver = {
      resolveTxt: async () => {
        await answered;
        return [[formatDkimRecord(key.publicKey)]];
      },
    };
    const flipped = lowercased(signed());
    const signature = /signature="([^"]*)"/.exec(flipped['signature']!)![1]!;
    const bytes = Buffer.from(signature, 'base64');
    bytes[0]! ^= 0x01;
    flipped['signature'] = flipped['signature']!.replace(signature, bytes.toString('base64'));

    const verifier = verifierWith({ resolver });
    const results = Promise.all(
      [request(lowercased(signed())), request(flipped), request(lowercased(signed()))].map((r) => verifier.verify(r)),
    );
    answer?.();
    expect(await results).toMatchObject([{ ok: true }, { reason: 'bad_signature' }, { ok: true }]);
  });

  it('names the first failing check: a stale date wins over a wrong body', async () => {
    const result = await verifierWith().verify(request(lowercased(signed(NOW - 3_600_000)), Buffer.from('other body')));
    expect(result).toMatchObject({ ok: false, reason: 'stale_date' });
  });

  it('asks DNS only for requests that pass every cheaper check', async () => {
    const { resolver, queries } = memoryResolver();
    const verifier = verifierWith({ resolver });
    await verifier.verify(request(lowercased(signed()), Buffer.from('tampered')));
    await verifier.verify(request(lowercased(signed(NOW - 3_600_000))));
    expect(queries).toEqual([]);
    await verifier.verify(request(lowercased(signed())));
    expect(queries).toEqual([key.keyId]);
  });

  it('refuses to be built without an allowed domain', () => {
    expect(() => createVerifier({ accountId: '42', allowedDomains: [] })).toThrow(/allowedDomains/);
  });
});

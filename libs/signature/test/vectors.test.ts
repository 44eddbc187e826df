import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildSigningString,
  createVerifier,
  digestHeaderValue,
  KeyRing,
  parseHttpDate,
  SIGNED_HEADERS,
  SigningKey,
  signRequest,
  type TxtResolver,
} from '../src/index';

/** A committed vector file that other implementations check themselves against. */
type Vector = {
  key: {
    selector: string;
    domain: string;
    keyId: string;
    privateKeyPem: string;
    dnsTxtName: string;
    dnsTxtRecord: string;
  };
  input: {
    method: string;
    url: string;
    accountId: string;
    contentType: string;
    date: string;
    nonce: string;
    body: string;
    bodyBase64: string;
  };
  expected: {
    requestTarget: string;
    digest: string;
    signingString: string;
    signature: string;
    headers: Record<string, string>;
  };
  verification: { accountId: string; allowedDomains: string[]; dateWindowSeconds: number; now: string };
  rejections: {
    case: string;
    reason: string | null;
    body?: string;
    recomputeDigest?: boolean;
    nowOffsetSeconds?: number;
    headers?: Record<string, string>;
    removeHeaders?: string[];
    path?: string;
    method?: string;
  }[];
};

/**
 * v2 is what the signer sends today; v1 (`SHA-256=` and a spaced key record, what the signer sent
 * before) stays a vector that the verifier must keep accepting, but the signer no longer reproduces.
 */
describe.each([
  { file: 'v2.json', signerReproducesIt: true },
  { file: 'v1.json', signerReproducesIt: false },
])('test vector $file', ({ file, signerReproducesIt }) => {
  const vector = JSON.parse(readFileSync(new URL(`../test-vectors/${file}`, import.meta.url), 'utf8')) as Vector;
  const body = Buffer.from(vector.input.bodyBase64, 'base64');
  const signedAt = parseHttpDate(vector.input.date)!;
  const key = new SigningKey({
    selector: vector.key.selector,
    domain: vector.key.domain,
    validFrom: new Date(signedAt - 1000),
    validUntil: new Date(signedAt + 1000),
    privateKey: createPrivateKey(vector.key.privateKeyPem),
  });
  /** The vector's TXT record, served by a resolver that knows only that name. */
  const resolver: TxtResolver = {
    resolveTxt: async (name) => (name === vector.key.dnsTxtName ? [[vector.key.dnsTxtRecord]] : []),
  };
  const path = () => {
    const url = new URL(vector.input.url);
    return url.pathname + url.search;
  };

  it('has the body its base64 says', () => {
    expect(body.toString('utf8')).toBe(vector.input.body);
  });

  it('rebuilds the signing string from the headers', () => {
    const lower = Object.fromEntries(
      Object.entries(vector.expected.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    expect(buildSigningString(SIGNED_HEADERS, vector.input.method, path(), (name) => lower[name]!)).toBe(
      vector.expected.signingString,
    );
    expect(vector.expected.signingString.split('\n')[0]).toBe(`(request-target): ${vector.expected.requestTarget}`);
  });

  const signed = () =>
    signRequest(
      { url: vector.input.url, contentType: vector.input.contentType, body, accountId: vector.input.accountId },
      { keyRing: new KeyRing([key]), now: () => signedAt, nonce: () => vector.input.nonce },
    );

  if (signerReproducesIt) {
    it('is what the signer sends: the same digest, headers and signature', () => {
      expect(digestHeaderValue(body)).toBe(vector.expected.digest);
      const headers = signed();
      expect(headers).toEqual(vector.expected.headers);
      expect(headers.Signature).toContain(`signature="${vector.expected.signature}"`);
    });
  } else {
    it('differs from what the signer sends only in the Digest algorithm name, and so in the signature', () => {
      const { Digest, Signature, ...rest } = signed();
      const { Digest: oldDigest, Signature: oldSignature, ...oldRest } = vector.expected.headers;
      expect(rest).toEqual(oldRest);
      expect([Digest, oldDigest]).toEqual([
        oldDigest!.replace('SHA-256=', 'sha-256='),
        expect.stringMatching(/^SHA-256=/),
      ]);
      expect(Signature).not.toBe(oldSignature);
    });
  }

  const verifyCase = (rejection: Partial<(typeof vector.rejections)[number]>) => {
    const caseBody = rejection.body === undefined ? body : Buffer.from(rejection.body);
    const headers: Record<string, string> = { ...vector.expected.headers, ...rejection.headers };
    if (rejection.recomputeDigest) headers['Digest'] = digestHeaderValue(caseBody);
    for (const name of rejection.removeHeaders ?? []) delete headers[name];
    const verifier = createVerifier({
      accountId: vector.verification.accountId,
      allowedDomains: vector.verification.allowedDomains,
      dateWindowSeconds: vector.verification.dateWindowSeconds,
      resolver,
      now: () => parseHttpDate(vector.verification.now)! + (rejection.nowOffsetSeconds ?? 0) * 1000,
    });
    return verifier.verify({
      method: rejection.method ?? vector.input.method,
      path: rejection.path ?? path(),
      headers,
      body: caseBody,
    });
  };

  it('verifies the expected request with the key from its DNS record', async () => {
    expect(await verifyCase({})).toEqual({ ok: true, keyId: vector.key.keyId });
  });

  it.each(vector.rejections)('$case → $reason', async (rejection) => {
    const result = await verifyCase(rejection);
    if (rejection.reason === null) expect(result).toEqual({ ok: true, keyId: vector.key.keyId });
    else expect(result).toMatchObject({ ok: false, reason: rejection.reason });
  });
});

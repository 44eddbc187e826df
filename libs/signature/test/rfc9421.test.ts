import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { httpbis } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import { contentDigestValue, signRfc9421 } from '../src/index';

// http-message-signatures (pinned), an RFC 9421 implementation nobody here wrote, checks our signer.
const current = generateKeyPairSync('ed25519');
const previous = generateKeyPairSync('ed25519');
const body = Buffer.from('{"id":"dl_1","type":"update"}');
const url = new URL('https://hooks.example.com/profile?x=1');

async function verifiedBy(
  headers: Record<string, string>,
  keys: Record<string, ReturnType<typeof generateKeyPairSync>>,
): Promise<boolean> {
  const result = await httpbis
    .verifyMessage(
      {
        keyLookup: async (params) => {
          const pair = keys[String(params.keyid)];
          if (!pair) return null;
          const key = createPublicKey(pair.publicKey.export({ format: 'pem', type: 'spki' }));
          return {
            id: String(params.keyid),
            algs: ['ed25519'],
            verify: async (data, sig) => verify(null, data, key, sig),
          };
        },
        requiredFields: ['@method', '@target-uri', 'content-type', 'content-length', 'content-digest'],
        requiredParams: ['created', 'keyid', 'alg'],
      },
      { method: 'POST', url: url.href, headers },
    )
    .catch(() => false);
  return result === true;
}

function request(extra: Record<string, string>, created = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'content-type': 'application/json',
    'content-length': String(body.byteLength),
    ...Object.fromEntries(
      Object.entries(
        signRfc9421({ url, contentType: 'application/json', body, created }, [
          { keyId: 'key_new', privateKey: current.privateKey },
          { keyId: 'key_old', privateKey: previous.privateKey },
        ]),
      ).map(([k, v]) => [k.toLowerCase(), v]),
    ),
    ...extra,
  };
}

describe('signRfc9421', () => {
  it('is verified by http-message-signatures with either key while both sign', async () => {
    const headers = request({});
    expect(headers['content-digest']).toBe(contentDigestValue(body));
    expect(headers['signature-input']).toMatch(
      /^sig1=\("@method" "@target-uri" "content-type" "content-length" "content-digest"\);created=\d+;keyid="key_new";alg="ed25519", sig2=/,
    );
    expect(await verifiedBy(headers, { key_new: current })).toBe(true);
    expect(await verifiedBy(headers, { key_old: previous })).toBe(true);
    expect(await verifiedBy(headers, { key_other: generateKeyPairSync('ed25519') })).toBe(false);
  });

  it('is refused when a covered header changed', async () => {
    expect(
      await verifiedBy(request({ 'content-digest': contentDigestValue(Buffer.from('{}')) }), { key_new: current }),
    ).toBe(false);
    expect(await verifiedBy(request({ 'content-type': 'text/plain' }), { key_new: current })).toBe(false);
  });
});

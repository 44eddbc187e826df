import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../create-verifier';
import type { IncomingRequest } from '../verification';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const TS = String(NOW / 1000);
const ID = 'dlv_2x8Qm';
const BODY = Buffer.from('{"id":"dlv_2x8Qm","type":"update","fields":{"name":"piet"}}');
const KEY = randomBytes(24);
const SECRET = `whsec_${KEY.toString('base64')}`;
const ed = generateKeyPairSync('ed25519');
const PUBLIC_KEY = `whpk_${ed.publicKey.export({ format: 'jwk' }).x!.replace(/-/g, '+').replace(/_/g, '/')}=`;

/** The signed content of the spec, made here with node:crypto: `<id>.<timestamp>.<body>`. */
const content = (id = ID, ts = TS, body = BODY) => Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
const v1 = (key = KEY, signed = content()) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
const v1a = (signed = content()) => `v1a,${sign(null, signed, ed.privateKey).toString('base64')}`;

const request = (headers: Record<string, string>, body = BODY): IncomingRequest => ({
  method: 'POST',
  path: '/hook',
  headers: { 'webhook-id': ID, 'webhook-timestamp': TS, ...headers },
  body,
});
const verifier = (options: { secret?: string | string[]; publicKey?: string } = { secret: SECRET }) =>
  createVerifier({ scheme: 'standard-webhooks', now: () => NOW, ...options });

describe('Standard Webhooks v1 (HMAC-SHA256)', () => {
  it('accepts a signature made with node:crypto and names the delivery', async () => {
    expect(await verifier().verify(request({ 'webhook-signature': v1() }))).toEqual({
      ok: true,
      keyId: 'v1',
      deliveryId: ID,
    });
  });

  it('agrees with the reference package standardwebhooks@1.3.0 both ways', async () => {
    const reference = new Webhook(SECRET);
    const signature = reference.sign(ID, new Date(NOW), BODY);
    expect(signature).toBe(v1());
    expect((await verifier().verify(request({ 'webhook-signature': signature }))).ok).toBe(true);
    // The reference checks its own clock: give it a fresh timestamp.
    const fresh = String(Math.floor(Date.now() / 1000));
    const ours = v1(KEY, content(ID, fresh));
    expect(reference.verify(BODY, { 'webhook-id': ID, 'webhook-timestamp': fresh, 'webhook-signature': ours })).toEqual(
      JSON.parse(BODY.toString()),
    );
  });

  it('accepts any matching entry of several (rotation) and any of several secrets', async () => {
    const old = randomBytes(24);
    const header = `${v1(randomBytes(24))} ${v1(old)}`;
    expect((await verifier().verify(request({ 'webhook-signature': header }))).ok).toBe(false);
    const rotated = verifier({ secret: [SECRET, `whsec_${old.toString('base64')}`] });
    expect((await rotated.verify(request({ 'webhook-signature': header }))).ok).toBe(true);
  });

  it.each([
    [
      'a tampered body',
      { 'webhook-signature': v1() },
      Buffer.from('{"id":"dlv_2x8Qm","type":"delete"}'),
      'bad_signature',
    ],
    ['another delivery id', { 'webhook-signature': v1(), 'webhook-id': 'dlv_other' }, BODY, 'bad_signature'],
    [
      'a timestamp 301 s old',
      { 'webhook-signature': v1(KEY, content(ID, String(+TS - 301))), 'webhook-timestamp': String(+TS - 301) },
      BODY,
      'stale_date',
    ],
    [
      'a timestamp 301 s ahead',
      { 'webhook-signature': v1(), 'webhook-timestamp': String(+TS + 301) },
      BODY,
      'stale_date',
    ],
    ['a timestamp in milliseconds', { 'webhook-signature': v1(), 'webhook-timestamp': `${TS}.5` }, BODY, 'bad_date'],
    ['no signature header', {}, BODY, 'missing_header'],
    ['no entry that parses', { 'webhook-signature': 'v1 nonsense' }, BODY, 'bad_signature_header'],
    ['only an ed25519 entry', { 'webhook-signature': v1a() }, BODY, 'unsupported_algorithm'],
  ])('refuses %s', async (_case, headers, body, reason) => {
    const result = await verifier().verify(request(headers, body));
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('sees a repeated header as a repeat', async () => {
    const result = await verifier().verify(request({ 'webhook-signature': v1(), 'Webhook-Id': 'again' }));
    expect(result).toMatchObject({ ok: false, reason: 'duplicate_header' });
  });

  it('refuses to start without a key, or with a secret that is not base64, and never echoes it', () => {
    expect(() => createVerifier({ scheme: 'standard-webhooks' })).toThrow(/secret \(v1\) or a publicKey/);
    expect(() => createVerifier({ scheme: 'standard-webhooks', secret: 'whsec_not*base64' })).toThrow(
      /^createVerifier \(standard-webhooks\): secret\[0\] is not whsec_<base64>$/,
    );
  });
});

describe('Standard Webhooks v1a (ed25519)', () => {
  it('accepts a signature by the private key of the whpk_ key', async () => {
    const result = await verifier({ publicKey: PUBLIC_KEY }).verify(request({ 'webhook-signature': v1a() }));
    expect(result).toEqual({ ok: true, keyId: 'v1a', deliveryId: ID });
  });

  it('refuses another key and a tampered body', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = `v1a,${sign(null, content(), other).toString('base64')}`;
    const v = verifier({ publicKey: PUBLIC_KEY });
    expect(await v.verify(request({ 'webhook-signature': forged }))).toMatchObject({ reason: 'bad_signature' });
    expect(await v.verify(request({ 'webhook-signature': v1a() }, Buffer.from('{}')))).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('refuses a public key that is not 32 bytes', () => {
    expect(() => createVerifier({ scheme: 'standard-webhooks', publicKey: 'whpk_AAAA' })).toThrow(/32-byte/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDnsServer } from '@callbacks/testing';
import {
  createDnsResolver,
  createVerifier,
  formatDkimRecord,
  KeyRing,
  type SigningKey,
  signRequest,
} from '../src/index';
import { newSigningKey } from './support/keys';
import { receivedRequest } from './support/requests';

const URL_ = 'https://hooks.receiver.test:8443/copernica/callback?profile=3456&v=1';
const BODY = Buffer.from('{"id":"dlv_1","type":"create","profile":"3456","fields":{"name":"piet"}}');
const NOW = Date.parse('2025-06-03T10:15:30Z');

describe('sign → verify with the key fetched from a DNS server on loopback', () => {
  let dns: TestDnsServer;
  let key2048: SigningKey;
  let key3072: SigningKey;

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    [key2048, key3072] = await Promise.all([
      newSigningKey({ selector: 'cb-2025-06', domain: 'callbacks.test' }),
      newSigningKey({ selector: 'big', domain: 'keys.callbacks.test', bits: 3072 }),
    ]);
    dns.publish(key2048.keyId, formatDkimRecord(key2048.publicKey));
    dns.publish(key3072.keyId, formatDkimRecord(key3072.publicKey));
  });
  afterAll(() => dns.close());

  const verifierFor = () =>
    createVerifier({
      accountId: '42',
      allowedDomains: ['callbacks.test'],
      resolver: createDnsResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }),
      now: () => NOW,
    });
  const sign = (key: SigningKey) =>
    signRequest(
      { url: URL_, contentType: 'application/json', body: BODY, accountId: '42' },
      { keyRing: new KeyRing([key]), now: () => NOW },
    );

  it('accepts a signed request and names the key that signed it', async () => {
    const result = await verifierFor().verify(receivedRequest(URL_, sign(key2048), BODY));
    expect(result).toEqual({ ok: true, keyId: 'cb-2025-06._domainkey.callbacks.test' });
  });

  it('accepts a 3072-bit key, whose TXT answer is too big for UDP and comes over TCP', async () => {
    const tcpBefore = dns.tcpQueries;
    const result = await verifierFor().verify(receivedRequest(URL_, sign(key3072), BODY));
    expect(result).toEqual({ ok: true, keyId: key3072.keyId });
    expect(dns.tcpQueries).toBeGreaterThan(tcpBefore);
  });

  it('asks DNS once for many requests signed with the same key, concurrent or not', async () => {
    const verifier = verifierFor();
    const before = dns.queriesFor(key2048.keyId);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => verifier.verify(receivedRequest(URL_, sign(key2048), BODY))),
    );
    await verifier.verify(receivedRequest(URL_, sign(key2048), BODY));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(dns.queriesFor(key2048.keyId) - before).toBe(1);
  });

  it('rejects with unknown_key when no record is published at the keyId', async () => {
    const unpublished = await newSigningKey({ selector: 'never-published', domain: 'callbacks.test' });
    const result = await verifierFor().verify(receivedRequest(URL_, sign(unpublished), BODY));
    expect(result).toMatchObject({ ok: false, reason: 'unknown_key' });
  });

  it('rejects with key_lookup_failed when the name server fails, and asks again next time', async () => {
    const broken = await newSigningKey({ selector: 'servfail', domain: 'callbacks.test' });
    dns.failFor(broken.keyId);
    const verifier = verifierFor();
    const first = await verifier.verify(receivedRequest(URL_, sign(broken), BODY));
    expect(first).toMatchObject({ ok: false, reason: 'key_lookup_failed' });

    dns.publish(broken.keyId, formatDkimRecord(broken.publicKey));
    const second = await verifier.verify(receivedRequest(URL_, sign(broken), BODY));
    expect(second).toEqual({ ok: true, keyId: broken.keyId });
  });
});

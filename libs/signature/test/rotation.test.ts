import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDnsServer } from '@callbacks/testing';
import {
  createDnsResolver,
  createVerifier,
  formatDkimRecord,
  KeyRing,
  type SigningKey,
  signRequest,
  type Verifier,
} from '../src/index';
import { DAY_MS, newSigningKey } from './support/keys';
import { receivedRequest } from './support/requests';

const URL_ = 'https://hooks.receiver.test/callback';
const BODY = Buffer.from('{"id":"dlv_9","type":"delete"}');
const JUNE = Date.parse('2025-06-01T00:00:00Z');
const JULY = Date.parse('2025-07-01T00:00:00Z');

/** Monthly rotation: each key is valid 35 days from the first of its month, so the windows overlap by ~5 days. */
describe('monthly key rotation', () => {
  let dns: TestDnsServer;
  let june: SigningKey;
  let july: SigningKey;
  let receiverClock = JUNE;
  let verifier: Verifier;

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    [june, july] = await Promise.all([
      newSigningKey({
        selector: 'cb-2025-06',
        domain: 'callbacks.test',
        validFrom: new Date(JUNE),
        validUntil: new Date(JUNE + 35 * DAY_MS),
      }),
      newSigningKey({
        selector: 'cb-2025-07',
        domain: 'callbacks.test',
        validFrom: new Date(JULY),
        validUntil: new Date(JULY + 35 * DAY_MS),
      }),
    ]);
    dns.publish(june.keyId, formatDkimRecord(june.publicKey));
    dns.publish(july.keyId, formatDkimRecord(july.publicKey));
    verifier = createVerifier({
      accountId: '7',
      allowedDomains: ['callbacks.test'],
      resolver: createDnsResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }),
      now: () => receiverClock,
    });
  });
  afterAll(() => dns.close());

  const signAt = (ring: KeyRing, at: number) =>
    signRequest(
      { url: URL_, contentType: 'application/json', body: BODY, accountId: '7' },
      { keyRing: ring, now: () => at },
    );

  it('signs with the old key before the new one starts and with the new key from its validFrom on', () => {
    const ring = new KeyRing([june, july]);
    expect(ring.current(JULY - 1).keyId).toBe(june.keyId);
    expect(ring.current(JULY).keyId).toBe(july.keyId);
  });

  it('has a key at every hour from the first key to the end of the last window: no gap', () => {
    const ring = new KeyRing([june, july]);
    for (let at = JUNE; at < JULY + 35 * DAY_MS; at += 60 * 60 * 1000) expect(() => ring.current(at)).not.toThrow();
    expect(() => ring.current(JULY + 35 * DAY_MS)).toThrow(/no signing key/);
  });

  it('accepts requests signed with the old and with the new key during the overlap', async () => {
    const during = JULY + 2 * DAY_MS;
    receiverClock = during;
    // A dispatcher that has not picked up the new ring yet still signs with June's key.
    const fromOldRing = signAt(new KeyRing([june]), during);
    const fromNewRing = signAt(new KeyRing([june, july]), during);
    expect(fromOldRing.Signature).toContain(june.keyId);
    expect(fromNewRing.Signature).toContain(july.keyId);

    expect(await verifier.verify(receivedRequest(URL_, fromOldRing, BODY))).toEqual({ ok: true, keyId: june.keyId });
    expect(await verifier.verify(receivedRequest(URL_, fromNewRing, BODY))).toEqual({ ok: true, keyId: july.keyId });
  });
});

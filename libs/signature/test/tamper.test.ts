import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDnsServer } from '@callbacks/testing';
import {
  createDnsResolver,
  createVerifier,
  digestHeaderValue,
  formatDkimRecord,
  type IncomingRequest,
  KeyRing,
  type RejectionReason,
  type SignedHeaders,
  type SigningKey,
  signRequest,
  type Verifier,
} from '../src/index';
import { newSigningKey } from './support/keys';
import { receivedRequest, withSignatureParam } from './support/requests';

const URL_ = 'https://hooks.receiver.test/copernica/callback?profile=3456&v=1';
const BODY = Buffer.from('{"id":"dlv_1","type":"update","profile":"3456","parameters":{"city":"Amsterdam"}}');
const SIGNED_AT = Date.parse('2025-06-03T10:15:30Z');

type Headers = Record<string, string | string[]>;
interface Tamper {
  name: string;
  reason: RejectionReason;
  /** Changes the received request; gets the signer's headers (original casing) to edit. */
  change?: (request: { method: string; path: string; headers: Headers; body: Buffer }) => void;
  /** Receiver clock minus signing time, in seconds. */
  skewSeconds?: number;
  /** Which key signs; default the published one. */
  signWith?: 'rotated-out' | 'replaced';
}

const setSignature = (h: Headers, name: string, value: string) => {
  h['Signature'] = withSignatureParam(h['Signature'] as string, name, value);
};
const signedList = (h: Headers) => /headers="([^"]*)"/.exec(h['Signature'] as string)![1]!;

const TAMPERS: Tamper[] = [
  {
    name: 'body changed',
    reason: 'digest_mismatch',
    change: (r) => void (r.body = Buffer.from(r.body.toString().replace('Amsterdam', 'Rotterdam'))),
  },
  {
    name: 'body changed and Digest recomputed to match',
    reason: 'bad_signature',
    change: (r) => {
      r.body = Buffer.from(r.body.toString().replace('Amsterdam', 'Rotterdam'));
      r.headers['Digest'] = digestHeaderValue(r.body);
    },
  },
  { name: 'Host changed', reason: 'bad_signature', change: (r) => void (r.headers['Host'] = 'other.receiver.test') },
  {
    name: 'Date changed (still inside the window)',
    reason: 'bad_signature',
    change: (r) => void (r.headers['Date'] = 'Tue, 03 Jun 2025 10:15:31 GMT'),
  },
  {
    name: 'Content-Length changed',
    reason: 'bad_signature',
    change: (r) => void (r.headers['Content-Length'] = '999'),
  },
  {
    name: 'Content-Type changed',
    reason: 'bad_signature',
    change: (r) => void (r.headers['Content-Type'] = 'text/plain'),
  },
  {
    name: 'X-Copernica-ID changed',
    reason: 'wrong_account',
    change: (r) => void (r.headers['X-Copernica-ID'] = 'account_43'),
  },
  {
    name: 'Digest changed',
    reason: 'digest_mismatch',
    change: (r) => void (r.headers['Digest'] = digestHeaderValue(Buffer.from('other'))),
  },
  { name: 'X-Nonce changed', reason: 'bad_signature', change: (r) => void (r.headers['X-Nonce'] = 'another-nonce') },
  { name: 'method changed', reason: 'bad_signature', change: (r) => void (r.method = 'PUT') },
  {
    name: 'path changed',
    reason: 'bad_signature',
    change: (r) => void (r.path = r.path.replace('/callback', '/callbacks')),
  },
  {
    name: 'query changed',
    reason: 'bad_signature',
    change: (r) => void (r.path = r.path.replace('profile=3456', 'profile=3457')),
  },
  { name: 'query dropped', reason: 'bad_signature', change: (r) => void (r.path = r.path.split('?')[0]!) },
  { name: 'Date 61 s behind the receiver', reason: 'stale_date', skewSeconds: 61 },
  { name: 'Date 61 s ahead of the receiver', reason: 'stale_date', skewSeconds: -61 },
  {
    name: 'Date not an IMF-fixdate',
    reason: 'bad_date',
    change: (r) => void (r.headers['Date'] = '2025-06-03T10:15:30Z'),
  },
  {
    name: 'keyId under another domain',
    reason: 'key_domain_not_allowed',
    change: (r) => setSignature(r.headers, 'keyId', 'cb._domainkey.attacker.test'),
  },
  {
    name: 'keyId under a domain that only ends with the allowed name',
    reason: 'key_domain_not_allowed',
    change: (r) => setSignature(r.headers, 'keyId', 'cb._domainkey.evilcallbacks.test'),
  },
  {
    name: 'keyId not a DKIM key name',
    reason: 'bad_key_id',
    change: (r) => setSignature(r.headers, 'keyId', 'callbacks.test'),
  },
  {
    name: 'algorithm changed',
    reason: 'unsupported_algorithm',
    change: (r) => setSignature(r.headers, 'algorithm', 'hmac-sha256'),
  },
  {
    name: 'algorithm removed',
    reason: 'unsupported_algorithm',
    change: (r) => void (r.headers['Signature'] = (r.headers['Signature'] as string).replace(/algorithm="[^"]*",/, '')),
  },
  {
    name: 'signed header X-Nonce removed from the request',
    reason: 'missing_header',
    change: (r) => void delete r.headers['X-Nonce'],
  },
  {
    name: 'signed header Host removed from the request',
    reason: 'missing_header',
    change: (r) => void delete r.headers['Host'],
  },
  { name: 'Signature header removed', reason: 'missing_header', change: (r) => void delete r.headers['Signature'] },
  {
    name: 'digest removed from the signed list',
    reason: 'missing_signed_header',
    change: (r) => setSignature(r.headers, 'headers', signedList(r.headers).replace(' digest', '')),
  },
  {
    name: '(request-target) removed from the signed list',
    reason: 'missing_signed_header',
    change: (r) => setSignature(r.headers, 'headers', signedList(r.headers).replace('(request-target) ', '')),
  },
  {
    name: 'content-type removed from the signed list (not required, but signed)',
    reason: 'bad_signature',
    change: (r) => setSignature(r.headers, 'headers', signedList(r.headers).replace(' content-type', '')),
  },
  {
    name: 'Date duplicated',
    reason: 'duplicate_header',
    change: (r) => void (r.headers['Date'] = [r.headers['Date'] as string, 'Tue, 03 Jun 2025 10:15:00 GMT']),
  },
  {
    name: 'X-Copernica-ID duplicated with another case',
    reason: 'duplicate_header',
    change: (r) => void (r.headers['x-copernica-id'] = 'account_43'),
  },
  {
    name: 'Signature duplicated',
    reason: 'duplicate_header',
    change: (r) => void (r.headers['Signature'] = [r.headers['Signature'] as string, r.headers['Signature'] as string]),
  },
  {
    name: 'Signature unparseable',
    reason: 'bad_signature_header',
    change: (r) => void (r.headers['Signature'] = 'keyId=cb, oops'),
  },
  {
    name: 'signature value flipped',
    reason: 'bad_signature',
    change: (r) => {
      const sig = /signature="([^"]*)"/.exec(r.headers['Signature'] as string)![1]!;
      const bytes = Buffer.from(sig, 'base64');
      bytes[10]! ^= 0x01;
      setSignature(r.headers, 'signature', bytes.toString('base64'));
    },
  },
  {
    name: 'Digest with another algorithm only',
    reason: 'bad_digest_header',
    change: (r) => void (r.headers['Digest'] = 'MD5=Q2hlY2sgSW50ZWdyaXR5IQ=='),
  },
  { name: 'key rotated out: its DNS record is withdrawn', reason: 'unknown_key', signWith: 'rotated-out' },
  { name: 'key replaced at the same selector', reason: 'bad_signature', signWith: 'replaced' },
];

describe('every tampering is rejected with its own reason (keys from a DNS server on loopback)', () => {
  let dns: TestDnsServer;
  let verifier: Verifier;
  let receiverClock = SIGNED_AT;
  const keys: Record<'published' | 'rotated-out' | 'replaced', SigningKey> = {} as never;

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    const [published, rotatedOut, replaced, replacement] = await Promise.all([
      newSigningKey({ selector: 'cb-2025-06', domain: 'callbacks.test' }),
      newSigningKey({ selector: 'cb-2025-05', domain: 'callbacks.test' }),
      newSigningKey({ selector: 'cb-reused', domain: 'callbacks.test' }),
      newSigningKey({ selector: 'cb-reused', domain: 'callbacks.test' }),
    ]);
    Object.assign(keys, { published, 'rotated-out': rotatedOut, replaced });
    dns.publish(published!.keyId, formatDkimRecord(published!.publicKey));
    dns.publish(replaced!.keyId, formatDkimRecord(replacement!.publicKey));
    verifier = createVerifier({
      accountId: '42',
      allowedDomains: ['callbacks.test'],
      resolver: createDnsResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }),
      now: () => receiverClock,
    });
  });
  afterAll(() => dns.close());

  const signed = (key: SigningKey): SignedHeaders =>
    signRequest(
      { url: URL_, contentType: 'application/json', body: BODY, accountId: '42' },
      { keyRing: new KeyRing([key]), now: () => SIGNED_AT },
    );

  it('accepts the untouched request', async () => {
    receiverClock = SIGNED_AT;
    expect(await verifier.verify(receivedRequest(URL_, signed(keys.published), BODY))).toMatchObject({ ok: true });
  });

  it.each(TAMPERS)('$name → $reason', async (tamper) => {
    const request = receivedRequest(URL_, signed(keys[tamper.signWith ?? 'published']), BODY) as IncomingRequest & {
      headers: Headers;
      body: Buffer;
    };
    const editable = { ...request, headers: { ...request.headers } as Headers };
    tamper.change?.(editable);
    receiverClock = SIGNED_AT + (tamper.skewSeconds ?? 0) * 1000;
    const result = await verifier.verify(editable);
    expect(result).toMatchObject({ ok: false, reason: tamper.reason });
  });
});

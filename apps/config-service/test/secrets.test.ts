import { status } from '@grpc/grpc-js';
import { BSON, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import {
  callbackKey,
  connectNats,
  type NatsConnection,
  openCallbacksBucket,
  toBucketEntry,
} from '@callbacks/messaging';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, SignatureScheme } from '@callbacks/proto/callbacks/v1/callback';
import { sampleEvent } from '@callbacks/testing';
import { loadConfigServiceSettings } from '../src/config';
import { auth, call, callFails, type Harness, sampleCallback, startHarness, TOKENS, violatedFields } from './harness';

const A = auth(TOKENS.accountA);

let nats: Server;
let nc: NatsConnection;
let h: Harness;
let bare: Harness;
let mongo: MongoClient;
const logLines: string[] = [];

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'secrets-test' });
  h = await startHarness({ mongoUrl: inject('mongoUrl'), natsUrl: nats.url, logLines });
  await h.service.ready;
  // A service without a platform key ring: only the original product's scheme.
  // It shares the first one's database, as instances of one deployment do the bucket's.
  bare = await startHarness({
    mongoUrl: inject('mongoUrl'),
    natsUrl: nats.url,
    database: h.database,
    env: { SECRET_KEY_RING: '' },
  });
  mongo = new MongoClient(inject('mongoUrl'));
});
afterAll(async () => {
  await bare?.close();
  await h?.close();
  await mongo?.close();
  await nc?.close();
  await nats?.close();
});

const create = (scheme: SignatureScheme, client = h.client) =>
  call(client.createCallback.bind(client), { callback: sampleCallback({ signatureScheme: scheme }) }, A);

/** The secret's bytes in every form it could leak in: raw, base64, whsec_. */
function forms(whsec: string): Buffer[] {
  const base64 = whsec.slice('whsec_'.length);
  return [Buffer.from(base64, 'base64'), Buffer.from(base64), Buffer.from(whsec)];
}

const contains = (haystack: Buffer, needles: Buffer[]) => needles.some((n) => haystack.includes(n));

describe('per-callback secrets', () => {
  it('are shown once at creation, and never stored, published or returned in clear afterwards', async () => {
    const created = await create(SignatureScheme.STANDARD_WEBHOOKS_V1);
    const secret = created.secret!;
    expect(secret.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const callback = created.callback!;
    expect(callback.signatureScheme).toBe(SignatureScheme.STANDARD_WEBHOOKS_V1);
    expect(callback.secrets).toEqual([expect.objectContaining({ keyId: secret.keyId, publicKey: '' })]);
    expect(callback.sealedSecrets).toEqual([]);

    const read = await call(h.client.getCallback.bind(h.client), { id: callback.id }, A);
    expect(JSON.stringify(read)).not.toContain(secret.secret.slice(6));
    expect(read.callback!.sealedSecrets).toEqual([]);
    expect(read.callback!.secrets.map((s) => s.keyId)).toEqual([secret.keyId]);

    // MongoDB holds ciphertext only.
    const document = await mongo
      .db(h.database)
      .collection('callbacks')
      .findOne({ _id: callback.id as never });
    expect(document?.['sealedSecrets']).toHaveLength(1);
    expect(contains(Buffer.from(BSON.serialize(document!)), forms(secret.secret))).toBe(false);

    // So does the CALLBACKS bucket the matchers read.
    const kv = await openCallbacksBucket(nc);
    const entry = await kv.get(callbackKey(callback));
    expect(contains(Buffer.from(entry!.value), forms(secret.secret))).toBe(false);
    const inBucket = toBucketEntry(entry!);
    expect(inBucket.op === 'put' && inBucket.callback.sealedSecrets[0]?.keyId).toBe(secret.keyId);
  });

  it('are revealed on request, with the reveal in the audit log but not the secret', async () => {
    const { callback, secret } = await create(SignatureScheme.STANDARD_WEBHOOKS_V1);
    const revealed = await call(h.client.revealCallbackSecret.bind(h.client), { id: callback!.id }, A);
    expect(revealed.secrets.map((s) => s.secret)).toEqual([secret!.secret]);
    const audit = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'secret revealed');
    expect(audit).toContainEqual(
      expect.objectContaining({ account: 'acct-a', callback: callback!.id, caller: 'crm-a', audit: true }),
    );
    expect(logLines.join('\n')).not.toContain(secret!.secret.slice(6));

    // Another account's callback is not found, its secret not revealed.
    const other = await callFails(
      h.client.revealCallbackSecret.bind(h.client),
      { id: callback!.id },
      auth(TOKENS.accountB),
    );
    expect(other.code).toBe(status.NOT_FOUND);
  });

  it('give ed25519 schemes a public key (whpk_ for v1a, raw base64 and PEM for RFC 9421), never the private key', async () => {
    const v1a = (await create(SignatureScheme.STANDARD_WEBHOOKS_V1A)).secret!;
    expect(v1a.secret).toBe('');
    expect(v1a.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const rfc = await create(SignatureScheme.RFC9421);
    expect(Buffer.from(rfc.secret!.publicKey, 'base64')).toHaveLength(32);
    expect(rfc.secret!.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(rfc.callback!.secrets[0]).toMatchObject({ keyId: rfc.secret!.keyId, publicKey: rfc.secret!.publicKey });
  });

  it('rotate with a bounded overlap, only for schemes that have a secret', async () => {
    const { callback, secret } = await create(SignatureScheme.STANDARD_WEBHOOKS_V1);
    const rotated = await call(
      h.client.rotateCallbackSecret.bind(h.client),
      { id: callback!.id, overlap: undefined, expectedRevision: callback!.revision },
      A,
    );
    const [current, previous] = rotated.callback!.secrets;
    expect(current?.keyId).toBe(rotated.secret!.keyId);
    expect(previous?.keyId).toBe(secret!.keyId);
    // The default overlap: 24 h.
    const overlap = previous!.expireTime!.getTime() - rotated.callback!.secretRotateTime!.getTime();
    expect(overlap).toBe(24 * 3_600_000);
    const revealed = await call(h.client.revealCallbackSecret.bind(h.client), { id: callback!.id }, A);
    expect(revealed.secrets.map((s) => s.secret)).toEqual([rotated.secret!.secret, secret!.secret]);

    const tooLong = await callFails(
      h.client.rotateCallbackSecret.bind(h.client),
      { id: callback!.id, overlap: { seconds: 31 * 86_400, nanos: 0 }, expectedRevision: 0 },
      A,
    );
    expect(tooLong.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(tooLong)).toEqual(['overlap']);

    const original = await create(SignatureScheme.UNSPECIFIED);
    expect(original.secret).toBeUndefined();
    expect(original.callback!.signatureScheme).toBe(SignatureScheme.COPERNICA);
    const none = await callFails(
      h.client.rotateCallbackSecret.bind(h.client),
      { id: original.callback!.id, overlap: undefined, expectedRevision: 0 },
      A,
    );
    expect(none.code).toBe(status.FAILED_PRECONDITION);
    expect(none.details).toMatch(/no secret to rotate/);
  });

  it('are made anew when an update switches the scheme, and cannot be set directly', async () => {
    const { callback } = await create(SignatureScheme.UNSPECIFIED);
    const switched = await call(
      h.client.updateCallback.bind(h.client),
      {
        callback: { ...callback!, signatureScheme: SignatureScheme.RFC9421 } as Callback,
        updateMask: ['signature_scheme'],
        expectedRevision: 0,
      },
      A,
    );
    expect(switched.secret?.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(switched.callback!.secrets.map((s) => s.keyId)).toEqual([switched.secret!.keyId]);
    const refused = await callFails(
      h.client.updateCallback.bind(h.client),
      { callback: switched.callback!, updateMask: ['sealed_secrets'], expectedRevision: 0 },
      A,
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    const unknown = await callFails(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ signatureScheme: 99 as SignatureScheme }) },
      A,
    );
    expect(violatedFields(unknown)).toEqual(['callback.signature_scheme']);
  });

  it('need a platform key ring: without one only the original scheme can be chosen', async () => {
    const refused = await callFails(
      bare.client.createCallback.bind(bare.client),
      { callback: sampleCallback({ signatureScheme: SignatureScheme.STANDARD_WEBHOOKS_V1 }) },
      A,
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/SECRET_KEY_RING/);
    expect((await create(SignatureScheme.COPERNICA, bare.client)).callback!.id).toMatch(/^cb_/);
  });
});

describe('the platform key ring', () => {
  it('is checked at start-up: an unusable one stops the service with the reason', () => {
    const base = {
      MONGO_URL: 'mongodb://127.0.0.1:1',
      NATS_URL: 'nats://127.0.0.1:1',
      CONFIG_TOKENS: JSON.stringify([{ name: 'admin', sha256: 'a'.repeat(64), accounts: '*' }]),
    };
    expect(() => loadConfigServiceSettings({ ...base, SECRET_KEY_RING: '{"keys": [' })).toThrow(
      /platform keys: SECRET_KEY_RING is not valid JSON/,
    );
    const short = JSON.stringify({ keys: [{ id: 'k', created: '2026-01-01T00:00:00Z', keyEnv: 'K' }] });
    expect(() => loadConfigServiceSettings({ ...base, SECRET_KEY_RING: short, K: 'c2hvcnQ=' })).toThrow(
      /the key must be the base64 of 32 random bytes/,
    );
  });
});

describe('over HTTP/JSON', () => {
  it('rotates and reveals at POST /v1/callbacks/{id}:rotateSecret and :revealSecret', async () => {
    const { callback, secret } = await create(SignatureScheme.STANDARD_WEBHOOKS_V1);
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${h.httpUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.accountA}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const rotated = await post(`/v1/callbacks/${callback!.id}:rotateSecret`, { overlap: '60s' });
    expect(rotated.status).toBe(200);
    expect(rotated.json['secret']['secret']).toMatch(/^whsec_/);
    expect(rotated.json['callback']['signatureScheme']).toBe('SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1');
    expect(rotated.json['callback']['sealedSecrets'] ?? []).toEqual([]);
    const revealed = await post(`/v1/callbacks/${callback!.id}:revealSecret`, {});
    expect(revealed.json['secrets'].map((s: { secret: string }) => s.secret)).toEqual([
      rotated.json['secret']['secret'],
      secret!.secret,
    ]);
    const bad = await post(`/v1/callbacks/${callback!.id}:rotateSecret`, { overlap: '-5s' });
    expect(bad.status).toBe(400);
  });
});

describe('TestCallback', () => {
  const event = () => sampleEvent({ action: Action.UPDATE, origin: Origin.PUBLISHER });

  it('renders the exact headers of each scheme', async () => {
    for (const [scheme, expected] of [
      [SignatureScheme.STANDARD_WEBHOOKS_V1, /^v1,[A-Za-z0-9+/]{43}=$/],
      [SignatureScheme.STANDARD_WEBHOOKS_V1A, /^v1a,[A-Za-z0-9+/]{86}==$/],
    ] as const) {
      const { callback } = await create(scheme);
      const tested = await call(
        h.client.testCallback.bind(h.client),
        { target: { $case: 'callbackId', value: callback!.id }, event: event(), send: false },
        A,
      );
      const headers = Object.fromEntries(tested.headers.map((x) => [x.name, x.value]));
      expect(headers['webhook-signature']).toMatch(expected);
      expect(headers['webhook-id']).toMatch(/^dl_test_/);
      expect(headers['X-Copernica-ID']).toBe('account_acct-a');
      expect(headers['Signature']).toBeUndefined();
    }
    // An unsaved callback is signed with a throwaway key.
    const unsaved = await call(
      h.client.testCallback.bind(h.client),
      {
        target: { $case: 'callback', value: sampleCallback({ signatureScheme: SignatureScheme.RFC9421 }) },
        event: event(),
        send: false,
      },
      A,
    );
    const headers = Object.fromEntries(unsaved.headers.map((x) => [x.name, x.value]));
    expect(headers['Signature-Input']).toMatch(
      /^sig1=\("@method" "@target-uri" "content-type" "content-length" "content-digest"\);created=\d+;keyid="key_[A-Za-z0-9_-]+";alg="ed25519"$/,
    );
    expect(headers['Content-Digest']).toMatch(/^sha-256=:[A-Za-z0-9+/]{43}=:$/);
    expect(headers['Signature']).toMatch(/^sig1=:[A-Za-z0-9+/]{86}==:$/);
  });
});

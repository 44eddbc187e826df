import { createPublicKey, hash, verify } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { httpbis, type VerifyConfig } from 'http-message-signatures';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { callbackTarget } from '@callbacks/domain';
import { waitUntil } from '@callbacks/infra';
import { callbackKey, openCallbacksBucket, STREAMS, SUBJECTS, toBucketEntry } from '@callbacks/messaging';
import { type CallbackTarget, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { type Callback, SignatureScheme } from '@callbacks/proto/callbacks/v1/callback';
import type { RevealedSecret } from '@callbacks/proto/callbacks/v1/callback_service';
import {
  auth,
  call,
  type ConfigServiceUnderTest,
  platformKeyRingEnv,
  readStream,
  type ReceivedRequest,
  sampleCallback,
  startConfigServiceProcess,
  TestReceiver,
} from '@callbacks/testing';
import type { RunningDispatcher } from '../src/app';
import { loadDispatcherSettings } from '../src/config';
import { job, publishJob, startInProcessDispatcher, startWorld, type World } from './harness';

// Deliveries in every scheme, made by the real services (config service → CALLBACKS bucket → job
// → dispatcher → HTTP) and verified by libraries nobody here wrote: `standardwebhooks` (the
// Standard Webhooks reference for JavaScript) and `http-message-signatures` (RFC 9421). No
// reference library verifies `v1a`: node:crypto checks it against the published public key.

let world: World;
let receiver: TestReceiver;
let config: ConfigServiceUnderTest;
let dispatcher: RunningDispatcher;
let kv: KV;
const platformKeys = platformKeyRingEnv();

beforeAll(async () => {
  world = await startWorld();
  receiver = await TestReceiver.start();
  config = await startConfigServiceProcess({
    mongoUrl: inject('mongoUrl'),
    natsUrl: world.nats.url,
    env: platformKeys,
  });
  // The config service and the dispatchers share the platform key ring; nothing else has it.
  dispatcher = await startInProcessDispatcher(world, { ...platformKeys, DISPATCHER_TIMEOUT: '2s' });
  kv = await openCallbacksBucket(world.nc);
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await dispatcher?.stop();
  await config?.close();
  await receiver?.close();
  await world?.close();
});

const admin = () => auth(config.adminToken);

async function createCallback(
  scheme: SignatureScheme,
  path: string,
): Promise<{ callback: Callback; secret: RevealedSecret }> {
  const created = await call(
    config.client.createCallback.bind(config.client),
    { callback: sampleCallback({ url: receiver.url(path), signatureScheme: scheme }) },
    admin(),
  );
  expect(created.secret, 'the create response shows the secret').toBeDefined();
  return { callback: created.callback!, secret: created.secret! };
}

/** What a matcher would put in a job: the callback as the bucket holds it, at least at `revision`. */
async function targetFromBucket(callback: Callback, revision = callback.revision): Promise<CallbackTarget> {
  let found: CallbackTarget | undefined;
  await waitUntil(async () => {
    const entry = await kv.get(callbackKey(callback));
    const read = entry ? toBucketEntry(entry) : undefined;
    if (read?.op === 'put' && read.callback.revision >= revision) found = callbackTarget(read.callback);
    return found !== undefined;
  }, AbortSignal.timeout(10_000));
  return found!;
}

/** Delivers one job for the callback and returns the request the receiver got. */
async function deliver(target: CallbackTarget, path: string): Promise<{ request: ReceivedRequest; jobBytes: Buffer }> {
  const before = receiver.seen(path).length;
  const j = job(target);
  await publishJob(world, j);
  const requests = await receiver.waitFor(path, before + 1);
  return { request: requests[before]!, jobBytes: Buffer.from(DeliveryJob.encode(j).finish()) };
}

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
  );
}

function verifiesWithStandardWebhooks(secret: string, request: ReceivedRequest, body = request.body): boolean {
  try {
    new Webhook(secret).verify(body, headersOf(request));
    return true;
  } catch {
    return false;
  }
}

describe('Standard Webhooks v1 (HMAC-SHA256)', () => {
  it('is verified by the standardwebhooks package with the secret shown at creation', async () => {
    const { callback, secret } = await createCallback(SignatureScheme.STANDARD_WEBHOOKS_V1, '/swh/v1');
    expect(secret.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { request, jobBytes } = await deliver(await targetFromBucket(callback), '/swh/v1');

    expect(verifiesWithStandardWebhooks(secret.secret, request)).toBe(true);
    expect(request.headers['webhook-id']).toBe(JSON.parse(request.body.toString()).id);
    // The other headers every scheme keeps.
    expect(request.headers['x-copernica-id']).toBe('account_acct-a');
    expect(request.headers['idempotency-key']).toBe(request.headers['webhook-id']);
    expect(request.headers['signature']).toBeUndefined();

    // The job on NATS carries the secret sealed, never in clear.
    const raw = Buffer.from(secret.secret.slice('whsec_'.length), 'base64');
    expect(jobBytes.includes(raw)).toBe(false);
    expect(jobBytes.toString('latin1')).not.toContain(secret.secret.slice('whsec_'.length));
    const stored = await readStream(world.nc, STREAMS.deliveries.name, SUBJECTS.deliveryJob('acct-a', callback.id), 1);
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.data).includes(raw)).toBe(false);
    expect(DeliveryJob.decode(stored[0]!.data).callback!.sealedSecrets).toHaveLength(1);
  });

  it('is refused for a tampered body, an old timestamp and a secret rotated away after its overlap', async () => {
    const { callback, secret: first } = await createCallback(SignatureScheme.STANDARD_WEBHOOKS_V1, '/swh/rotate');
    const { request } = await deliver(await targetFromBucket(callback), '/swh/rotate');
    const tampered = Buffer.from(request.body.toString().replace('"type":"update"', '"type":"delete"'));
    expect(tampered.equals(request.body)).toBe(false);
    expect(verifiesWithStandardWebhooks(first.secret, request, tampered)).toBe(false);

    // The same request verified ten minutes later (a replay): outside the library's tolerance.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
    expect(verifiesWithStandardWebhooks(first.secret, request)).toBe(false);
    vi.useRealTimers();

    // Rotation with an overlap: both secrets verify.
    const rotated = await call(
      config.client.rotateCallbackSecret.bind(config.client),
      { id: callback.id, overlap: { seconds: 3600, nanos: 0 }, expectedRevision: 0 },
      admin(),
    );
    const second = rotated.secret!;
    expect(second.secret).not.toBe(first.secret);
    expect(rotated.callback!.secrets.map((s) => s.keyId)).toEqual([second.keyId, first.keyId]);
    const during = await deliver(await targetFromBucket(callback, rotated.callback!.revision), '/swh/rotate');
    expect(String(during.request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWithStandardWebhooks(first.secret, during.request)).toBe(true);
    expect(verifiesWithStandardWebhooks(second.secret, during.request)).toBe(true);

    // Rotation with no overlap: the previous secret no longer verifies.
    const again = await call(
      config.client.rotateCallbackSecret.bind(config.client),
      { id: callback.id, overlap: { seconds: 0, nanos: 0 }, expectedRevision: 0 },
      admin(),
    );
    const after = await deliver(await targetFromBucket(callback, again.callback!.revision), '/swh/rotate');
    expect(verifiesWithStandardWebhooks(again.secret!.secret, after.request)).toBe(true);
    expect(verifiesWithStandardWebhooks(second.secret, after.request)).toBe(false);
    expect(verifiesWithStandardWebhooks(first.secret, after.request)).toBe(false);
  });
});

describe('Standard Webhooks v1a (ed25519)', () => {
  it('verifies against the whpk_ public key (node:crypto: no reference library does v1a) and refuses a tampered body', async () => {
    const { callback, secret } = await createCallback(SignatureScheme.STANDARD_WEBHOOKS_V1A, '/swh/v1a');
    expect(secret.secret).toBe('');
    expect(secret.publicKey).toMatch(/^whpk_/);
    const { request } = await deliver(await targetFromBucket(callback), '/swh/v1a');
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(secret.publicKey.slice(5), 'base64').toString('base64url') },
      format: 'jwk',
    });
    const [version, signature] = String(request.headers['webhook-signature']).split(',');
    expect(version).toBe('v1a');
    const signed = (body: Buffer) =>
      Buffer.concat([Buffer.from(`${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.`), body]);
    expect(verify(null, signed(request.body), publicKey, Buffer.from(signature!, 'base64'))).toBe(true);
    expect(verify(null, signed(Buffer.from(`${request.body} `)), publicKey, Buffer.from(signature!, 'base64'))).toBe(
      false,
    );
  });
});

describe('RFC 9421 (ed25519, Content-Digest)', () => {
  /** Verifies with http-message-signatures; the body against Content-Digest with node:crypto (RFC 9530: that library leaves it to the receiver). */
  async function verifies(
    request: ReceivedRequest,
    keys: Map<string, string>,
    options: Partial<VerifyConfig> = {},
    body = request.body,
  ): Promise<boolean> {
    const digest = `sha-256=:${hash('sha256', body, 'base64')}:`;
    if (request.headers['content-digest'] !== digest) return false;
    const headers = headersOf(request);
    try {
      const result = await httpbis.verifyMessage(
        {
          keyLookup: async (params) => {
            const pem = keys.get(String(params.keyid));
            if (!pem) return null;
            return { id: String(params.keyid), algs: ['ed25519'], verify: httpbisVerifier(pem) };
          },
          requiredFields: ['@method', '@target-uri', 'content-digest'],
          requiredParams: ['created', 'keyid'],
          maxAge: 300,
          ...options,
        },
        { method: request.method, url: `http://${headers['host']}${request.path}`, headers },
      );
      return result === true;
    } catch {
      return false;
    }
  }

  function httpbisVerifier(pem: string) {
    const key = createPublicKey(pem);
    return async (data: Buffer, signature: Buffer) => verify(null, data, key, signature);
  }

  it('is verified by http-message-signatures with the key id and public key the API returns', async () => {
    const { callback, secret } = await createCallback(SignatureScheme.RFC9421, '/rfc9421');
    expect(Buffer.from(secret.publicKey, 'base64')).toHaveLength(32);
    const { request } = await deliver(await targetFromBucket(callback), '/rfc9421');
    expect(request.headers['signature-input']).toContain(`keyid="${secret.keyId}";alg="ed25519"`);
    const keys = new Map([[secret.keyId, secret.publicKeyPem]]);
    expect(await verifies(request, keys)).toBe(true);

    const tampered = Buffer.from(request.body.toString().replace('"type":"update"', '"type":"create"'));
    expect(await verifies(request, keys, {}, tampered)).toBe(false);
    // Verified ten minutes later: older than the receiver's five minutes.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
    expect(await verifies(request, keys)).toBe(false);
    vi.useRealTimers();

    // After a rotation without overlap only the new key signs (one label); the old key verifies nothing.
    const rotated = await call(
      config.client.rotateCallbackSecret.bind(config.client),
      { id: callback.id, overlap: { seconds: 0, nanos: 0 }, expectedRevision: 0 },
      admin(),
    );
    const after = await deliver(await targetFromBucket(callback, rotated.callback!.revision), '/rfc9421');
    expect(await verifies(after.request, keys)).toBe(false);
    expect(await verifies(after.request, new Map([[rotated.secret!.keyId, rotated.secret!.publicKeyPem]]))).toBe(true);
  });

  it('sends sig1 and sig2 during an overlap, each verifiable with its key', async () => {
    const { callback, secret } = await createCallback(SignatureScheme.RFC9421, '/rfc9421/overlap');
    const rotated = await call(
      config.client.rotateCallbackSecret.bind(config.client),
      { id: callback.id, overlap: undefined, expectedRevision: 0 },
      admin(),
    );
    const { request } = await deliver(await targetFromBucket(callback, rotated.callback!.revision), '/rfc9421/overlap');
    expect(request.headers['signature']).toMatch(/^sig1=:[^:]+:, sig2=:[^:]+:$/);
    expect(await verifies(request, new Map([[secret.keyId, secret.publicKeyPem]]))).toBe(true);
    expect(await verifies(request, new Map([[rotated.secret!.keyId, rotated.secret!.publicKeyPem]]))).toBe(true);
  });
});

describe('the platform key ring', () => {
  it('is checked at start-up: an unusable one stops the dispatcher with the reason', () => {
    const ring = JSON.stringify({ keys: [{ id: 'k', created: '2026-01-01T00:00:00Z', keyFile: '/nowhere/k' }] });
    expect(() => loadDispatcherSettings({ ...world.env, SECRET_KEY_RING: ring })).toThrow(
      /platform keys: SECRET_KEY_RING: keys\[0\]: the key file "\/nowhere\/k" cannot be read \(ENOENT\)/,
    );
  });
});

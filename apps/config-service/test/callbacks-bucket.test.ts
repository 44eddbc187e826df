import { type KV, Kvm } from '@nats-io/kv';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import {
  callbackKey,
  connectNats,
  type NatsConnection,
  openCallbacksBucket,
  toBucketEntry,
} from '@callbacks/messaging';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { BucketReconciler, ReconcileBucket } from '../src/callbacks/reconcile-bucket';
import { MongoCallbackRepository } from '../src/mongo/mongo-callback-repository';
import { NatsCallbackBucket } from '../src/nats/nats-callback-bucket';
import { NatsRoundLease, RECONCILE_LEASE_BUCKET } from '../src/nats/reconcile-lease';
import { auth, call, type Harness, sampleCallback, startHarness, TOKENS } from './harness';

const A = auth(TOKENS.accountA);

// Its own nats-server: the bucket has a fixed name, and this service reconciles it with its own database.
let nats: Server;
let nc: NatsConnection;
let h: Harness;
let kv: KV;
let mongo: MongoClient;
let repository: MongoCallbackRepository;
beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'bucket-test' });
  h = await startHarness({ mongoUrl: inject('mongoUrl'), natsUrl: nats.url });
  await h.service.ready;
  kv = await openCallbacksBucket(nc);
  mongo = new MongoClient(inject('mongoUrl'));
  repository = new MongoCallbackRepository(mongo.db(h.database));
});
afterAll(async () => {
  await h?.close();
  await mongo?.close();
  await nc?.close();
  await nats?.close();
});

/** What the bucket holds for a callback: its revision, 'deleted', or undefined (never written). */
async function held(callback: Callback): Promise<number | 'deleted' | 'invalid' | undefined> {
  const entry = await kv.get(callbackKey(callback));
  if (!entry) return undefined;
  const read = toBucketEntry(entry);
  return read.op === 'put' ? read.callback.revision : read.op === 'delete' ? 'deleted' : 'invalid';
}

const stored = (overrides: Partial<Callback>) =>
  sampleCallback({
    id: `cb_${Math.random().toString(36).slice(2)}`,
    revision: 1,
    state: CallbackState.ACTIVE,
    createTime: new Date(),
    updateTime: new Date(),
    ...overrides,
  });

describe('the CALLBACKS bucket', () => {
  it('holds every committed change by the time the call returns', async () => {
    const { callback: created } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    expect(await held(created!)).toBe(1);
    const { callback: updated } = await call(
      h.client.updateCallback.bind(h.client),
      { callback: { ...created!, state: CallbackState.DISABLED }, updateMask: ['state'], expectedRevision: 1 },
      A,
    );
    const entry = toBucketEntry((await kv.get(callbackKey(created!)))!);
    expect(entry.op === 'put' && entry.callback).toEqual(updated);
    await call(h.client.deleteCallback.bind(h.client), { id: created!.id, expectedRevision: 2 }, A);
    expect(await held(created!)).toBe('deleted');
  });

  it('never takes an older version over a newer one, nor brings a deleted callback back', async () => {
    const bucket = new NatsCallbackBucket(kv);
    const callback = stored({});
    // Twenty writers racing, each with another revision: the newest wins whatever the order.
    const revisions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(revisions.map((revision) => bucket.put({ ...callback, revision })));
    expect(outcomes).toContain('written');
    expect(await held(callback)).toBe(20);
    expect(await bucket.put({ ...callback, revision: 7 })).toBe('current');

    await bucket.delete(callback);
    expect(await bucket.put({ ...callback, revision: 21 })).toBe('deleted');
    expect(await held(callback)).toBe('deleted');
  });
});

describe('the reconciler', () => {
  it('writes to the bucket what a lost write left out, and deletes what the database no longer has', async () => {
    await h.service.reconcileBucket(); // the round at start, if still under way
    // Changes committed to the database whose bucket writes never happened (the service died in between).
    const created = stored({ databaseId: 'lost-create' });
    await repository.insert(created);
    const { callback: kept } = await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ databaseId: 'lost-update' }) },
      A,
    );
    expect(await repository.replace({ ...kept!, revision: 2, url: 'https://hooks.example.com/changed' }, 1)).toBe(true);
    const { callback: gone } = await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ databaseId: 'lost-delete' }) },
      A,
    );
    expect(await repository.delete(gone!.id, 1)).toBe(true);
    expect([await held(created), await held(kept!), await held(gone!)]).toEqual([undefined, 1, 1]);

    const report = await h.service.reconcileBucket();
    expect(report).toMatchObject({ written: 2, deleted: 1 });
    expect([await held(created), await held(kept!), await held(gone!)]).toEqual([1, 2, 'deleted']);
    expect(await h.service.reconcileBucket()).toMatchObject({ written: 0, deleted: 0 });
  });

  it('leaves a newer version and a deletion in the bucket as they are', async () => {
    const bucket = new NatsCallbackBucket(kv);
    // The bucket ahead of the database: a scan that read the callback just before it changed, or was deleted.
    const ahead = stored({ databaseId: 'ahead' });
    await repository.insert(ahead);
    await bucket.put({ ...ahead, revision: 5 });
    const deleted = stored({ databaseId: 'deleted' });
    await repository.insert(deleted);
    await bucket.put(deleted);
    await bucket.delete(deleted);

    expect(await h.service.reconcileBucket()).toMatchObject({ written: 0, deleted: 0 });
    expect([await held(ahead), await held(deleted)]).toEqual([5, 'deleted']);
  });

  it('scans once per interval however many instances tick: the one that takes the round', async () => {
    const HOUR = 3_600_000;
    const instances = ['a', 'b', 'c'].map(
      () =>
        new BucketReconciler(
          new ReconcileBucket({ repository, bucket: new NatsCallbackBucket(kv) }),
          createLogger({ service: 'reconciler-test', level: 'silent' }),
        ),
    );
    for (const [i, reconciler] of instances.entries())
      reconciler.start(HOUR, await NatsRoundLease.open(nc, { intervalMs: HOUR, replicas: 1, holder: `instance-${i}` }));
    try {
      // The start-up rounds ran on every instance (any of them may be the one that lost a write).
      await Promise.all(instances.map((r) => r.runOnce()));
      // A round the service under test may have taken is let go; then the three tick at once.
      await (await new Kvm(nc).open(RECONCILE_LEASE_BUCKET)).purge('round');
      const rounds = await Promise.all(instances.map((r) => r.tick()));
      expect(rounds.filter((r) => r === 'skipped')).toHaveLength(2);
      expect(rounds.find((r) => r !== 'skipped')).toMatchObject({ written: 0, deleted: 0 });
      // Within the interval, nobody scans again.
      expect(await Promise.all(instances.map((r) => r.tick()))).toEqual(['skipped', 'skipped', 'skipped']);
    } finally {
      await Promise.all(instances.map((r) => r.stop()));
    }
  });
});

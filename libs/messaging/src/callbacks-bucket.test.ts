import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback } from '@callbacks/testing';
import {
  type BucketEntry,
  BucketMissingError,
  CallbackBucketWatch,
  callbackKey,
  type EncodedBucketEntry,
  ensureCallbacksBucket,
  openCallbacksBucket,
  readCallbacksBucket,
} from './callbacks-bucket';
import { connectNats, type NatsConnection } from './connection';

let nats: Server;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'test' });
});
afterAll(async () => {
  await nc?.close();
  await nats?.close();
});

const encode = (callback: Callback) => Callback.encode(callback).finish();

/** Resolves with the first entry the watch hands over that satisfies `predicate`. */
function entryWhere(
  entries: BucketEntry[],
  predicate: (entry: BucketEntry) => boolean,
): { seen: Promise<BucketEntry>; check: () => void } {
  let resolve: (entry: BucketEntry) => void = () => undefined;
  const seen = new Promise<BucketEntry>((r) => (resolve = r));
  return { seen, check: () => entries.filter(predicate).slice(0, 1).forEach(resolve) };
}

describe('the callbacks bucket', () => {
  it('is missing for a reader until its owner creates it', async () => {
    await expect(openCallbacksBucket(nc)).rejects.toBeInstanceOf(BucketMissingError);
    await ensureCallbacksBucket(nc, { replicas: 1 });
    await ensureCallbacksBucket(nc, { replicas: 1 }); // idempotent
    await expect(openCallbacksBucket(nc)).resolves.toBeDefined();
  });

  it('is ready at once when empty, and then hands over every change in order', async () => {
    const kv = await openCallbacksBucket(nc);
    const entries: BucketEntry[] = [];
    const created = sampleCallback({ id: 'cb_first', revision: 1 });
    // Each change is awaited before the next: the bucket keeps one value per key, so a put
    // replaced before the watch read it would rightly never be handed over.
    let wanted = entryWhere(entries, () => false);
    const watch = await CallbackBucketWatch.start(kv, (entry) => {
      entries.push(entry);
      wanted.check();
    });
    await watch.ready;
    expect(entries).toEqual([]);

    const revisionSeen = (revision: number) =>
      entryWhere(entries, (e) => e.op === 'put' && e.id === 'cb_first' && e.callback.revision === revision);
    wanted = revisionSeen(1);
    await kv.put(callbackKey(created), encode(created));
    await wanted.seen;
    wanted = revisionSeen(2);
    await kv.put(callbackKey(created), encode({ ...created, revision: 2 }));
    await wanted.seen;
    wanted = entryWhere(entries, (e) => e.op === 'delete' && e.id === 'cb_first');
    await kv.delete(callbackKey(created));
    await wanted.seen;
    watch.stop();
    expect(entries.map((e) => [e.op, e.key, e.op === 'put' ? e.callback.revision : undefined])).toEqual([
      ['put', 'acct-a.db-1.cb_first', 1],
      ['put', 'acct-a.db-1.cb_first', 2],
      ['delete', 'acct-a.db-1.cb_first', undefined],
    ]);
  });

  it('hands over the latest entry of every key as its snapshot, deletions included', async () => {
    const kv = await openCallbacksBucket(nc);
    for (let i = 0; i < 50; i++) {
      const callback = sampleCallback({ id: `cb_snap_${i}`, revision: 1 });
      await kv.put(callbackKey(callback), encode(callback));
      if (i % 10 === 0) await kv.put(callbackKey(callback), encode({ ...callback, revision: 2 }));
      if (i % 5 === 1) await kv.delete(callbackKey(callback));
    }
    await kv.put('acct-a.db-1.cb_garbage', new Uint8Array([0xff, 0xff]));

    const snapshot = await readCallbacksBucket(kv);
    const mine = [...snapshot.values()].filter((e) => e.id.startsWith('cb_snap_'));
    expect(mine).toHaveLength(50);
    expect(mine.filter((e) => e.op === 'delete')).toHaveLength(10);
    expect(mine.filter((e) => e.op === 'put' && e.callback.revision === 2).map((e) => e.id)).toEqual([
      'cb_snap_0',
      'cb_snap_10',
      'cb_snap_20',
      'cb_snap_30',
      'cb_snap_40',
    ]);
    expect(snapshot.get('cb_garbage')?.op).toBe('invalid');
  });

  it('hands over values still encoded, the snapshot first and then the changes', async () => {
    const kv = await openCallbacksBucket(nc);
    const kept = sampleCallback({ id: 'cb_enc_kept', databaseId: 'db-enc', revision: 1 });
    const dropped = sampleCallback({ id: 'cb_enc_dropped', databaseId: 'db-enc', revision: 1 });
    await kv.put(callbackKey(kept), encode(kept));
    await kv.put(callbackKey(dropped), encode(dropped));
    await kv.delete(callbackKey(dropped));

    const entries: EncodedBucketEntry[] = [];
    let later: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (later = resolve));
    const watch = await CallbackBucketWatch.startEncoded(kv, (entry) => {
      if (!entry.key.startsWith('acct-a.db-enc.')) return;
      entries.push(entry);
      if (entry.op === 'put' && Callback.decode(entry.value).revision === 2) later();
    });
    await watch.ready;
    const snapshot = entries.map((e) => [e.op, e.id, e.op === 'put' ? Callback.decode(e.value) : undefined]);
    expect(snapshot).toEqual([
      ['put', 'cb_enc_kept', kept],
      ['delete', 'cb_enc_dropped', undefined],
    ]);

    await kv.put(callbackKey(kept), encode({ ...kept, revision: 2 }));
    await changed;
    watch.stop();
    const last = entries.at(-1)!;
    expect(last.op === 'put' && Callback.decode(last.value)).toEqual({ ...kept, revision: 2 });
    // Revisions are the stream's sequence, in the bucket's order.
    expect(entries.map((e) => e.kvRevision)).toEqual([...entries.map((e) => e.kvRevision)].sort((a, b) => a - b));
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { callbackKey, openCallbacksBucket } from '@callbacks/messaging';
import { Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { auth, call, sampleCallback, sampleEvent, TcpProxy } from '@callbacks/testing';
import type { RunningMatcher } from '../src/app';
import {
  allJobs,
  createCallback,
  eventually,
  startInProcessMatcher,
  startWorld,
  waitForMatcherIdle,
  type World,
} from './harness';

let world: World;
const matchers: RunningMatcher[] = [];
beforeAll(async () => {
  world = await startWorld(inject('mongoUrl'));
});
afterAll(async () => {
  await Promise.all(matchers.map((m) => m.stop()));
  await world?.close();
});

/** Runs `task` for 0..count-1, `width` at a time. */
async function inParallel<T>(count: number, task: (i: number) => Promise<T>, width: number): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe('callbacks from the bucket', () => {
  it('a matcher started after 10,000 changes holds exactly the current callbacks', async () => {
    // Written to the bucket as the config service writes it: through the gRPC API, FerretDB takes
    // 40–90 ms per update here (it scans the collection), ten minutes for these. The API's path
    // to the bucket is the config service's tests' and the other matcher tests' business.
    await world.config.process.waitFor(/callbacks bucket matches the database/); // it exists
    const kv = await openCallbacksBucket(world.nc);
    const write = (callback: Callback) => kv.put(callbackKey(callback), Callback.encode(callback).finish());
    // 4,000 creates, 4,000 updates (two each for 0..1999) and 2,000 deletes (1000..2999).
    const latest = Array.from({ length: 4_000 }, (_, i) =>
      sampleCallback({
        id: `cb_many_${i}`,
        databaseId: `many-${i % 50}`,
        revision: 1,
        state: CallbackState.ACTIVE,
        actions: [],
      }),
    );
    await inParallel(4_000, (i) => write(latest[i]!), 64);
    for (const revision of [2, 3]) {
      await inParallel(
        2_000,
        (i) => write((latest[i] = { ...latest[i]!, revision, description: `revision ${revision}` })),
        64,
      );
    }
    await inParallel(2_000, (i) => kv.delete(callbackKey(latest[1_000 + i]!)), 64);
    const current = new Map<string, Callback>(
      [...latest.slice(0, 1_000), ...latest.slice(3_000)].map((c) => [c.id, c]),
    );

    const matcher = await startInProcessMatcher(world);
    matchers.push(matcher);
    expect(matcher.index.size).toBe(current.size);
    for (const callback of current.values())
      expect(matcher.index.get(callback)?.callback).toMatchObject({ id: callback.id, revision: callback.revision });
    for (let i = 1_000; i < 3_000; i++) expect(matcher.index.get(latest[i]!)).toBeUndefined();
  });

  it('drops a callback deleted while it was cut off from NATS, and takes one created meanwhile, once it is back', async () => {
    const proxy = await TcpProxy.start(world.nats.url);
    try {
      const matcher = await startInProcessMatcher(world, { NATS_URL: `nats://${proxy.address}` });
      matchers.push(matcher);
      const doomed = await createCallback(world, sampleCallback({ databaseId: 'cut-off', actions: [] }));
      await eventually(() => matcher.index.get(doomed) !== undefined, 'the callback to reach the matcher');

      proxy.cut();
      await call(
        world.config.client.deleteCallback.bind(world.config.client),
        { id: doomed.id, expectedRevision: 0 },
        auth(world.config.adminToken),
      );
      const born = await createCallback(world, sampleCallback({ databaseId: 'cut-off', actions: [] }));
      expect(matcher.index.get(doomed)).toBeDefined();
      proxy.restore();

      await eventually(
        () => matcher.index.get(doomed) === undefined && matcher.index.get(born) !== undefined,
        'the changes made while it was cut off',
      );
      const event = sampleEvent({ databaseId: 'cut-off' });
      await world.publisher.publish(event);
      await waitForMatcherIdle(world);
      const ids = (await allJobs(world)).map(({ job }) => job.deliveryId);
      expect(ids).toContain(deliveryIdFor(event.eventId, born.id));
      expect(ids).not.toContain(deliveryIdFor(event.eventId, doomed.id));
    } finally {
      await proxy.close();
    }
  });
});

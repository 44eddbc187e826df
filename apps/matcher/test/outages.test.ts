import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { type Server, startMongo } from '@callbacks/infra';
import { auth, call, sampleCallback, sampleEvent } from '@callbacks/testing';
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

// This file stops its database and cuts the config service off from NATS: its own servers.
let mongo: Server;
let world: World;
let matcher: RunningMatcher;
beforeAll(async () => {
  mongo = await startMongo();
  world = await startWorld(mongo.url, {
    proxyConfigService: true,
    configEnv: { CONFIG_KV_RECONCILE_INTERVAL: '1s', CONFIG_MONGO_TIMEOUT: '1s' },
  });
  matcher = await startInProcessMatcher(world);
});
afterAll(async () => {
  await matcher?.stop();
  await world?.close();
  await mongo?.close();
});

async function jobsOf(event: ReturnType<typeof sampleEvent>): Promise<string[]> {
  await world.publisher.publish(event);
  await waitForMatcherIdle(world);
  return (await allJobs(world)).map(({ job }) => job.deliveryId);
}

describe('outages', () => {
  it('repairs the bucket when the config service died between its database write and its bucket write', async () => {
    const admin = auth(world.config.adminToken);
    const doomed = await createCallback(world, sampleCallback({ databaseId: 'lost-writes', actions: [] }));
    await eventually(() => matcher.index.get(doomed) !== undefined, 'the callback to reach the matcher');

    // Cut off from NATS, the service commits to MongoDB and cannot write the bucket; then it dies.
    world.configProxy!.cut();
    const born = await createCallback(world, sampleCallback({ databaseId: 'lost-writes', actions: [] }));
    await call(
      world.config.client.deleteCallback.bind(world.config.client),
      { id: doomed.id, expectedRevision: 0 },
      admin,
    );
    await world.config.process.kill();
    world.configProxy!.restore();
    expect([matcher.index.get(doomed) !== undefined, matcher.index.get(born) !== undefined]).toEqual([true, false]);

    await world.config.process.start();
    const repaired = JSON.parse(await world.config.process.waitFor(/callbacks bucket repaired from the database/)) as {
      written: number;
      deleted: number;
    };
    expect(repaired).toMatchObject({ written: 1, deleted: 1 });
    await eventually(
      () => matcher.index.get(doomed) === undefined && matcher.index.get(born) !== undefined,
      'the repaired bucket to reach the matcher',
    );
    const event = sampleEvent({ databaseId: 'lost-writes' });
    const ids = await jobsOf(event);
    expect(ids).toContain(deliveryIdFor(event.eventId, born.id));
    expect(ids).not.toContain(deliveryIdFor(event.eventId, doomed.id));
  });

  it('keeps matching on what the bucket holds while MongoDB is down, and the reconciler leaves the bucket alone', async () => {
    const kept = await createCallback(world, sampleCallback({ databaseId: 'mongo-down', actions: [] }));
    await eventually(() => matcher.index.get(kept) !== undefined, 'the callback to reach the matcher');
    await mongo.managed!.stop();
    try {
      // A round that cannot read the database changes nothing.
      await world.config.process.waitFor(/could not reconcile the callbacks bucket/, 60_000, { fromNow: true });
      const event = sampleEvent({ databaseId: 'mongo-down' });
      expect(await jobsOf(event)).toContain(deliveryIdFor(event.eventId, kept.id));
      expect(matcher.index.get(kept)).toBeDefined();
    } finally {
      await mongo.managed!.start();
    }
  });
});

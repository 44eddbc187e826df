import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { SteadyLoad } from '../src/load';
import { CountingReceiver } from '../src/receiver';
import { System } from '../src/system';

const figure = (fields: Record<string, unknown>) => console.log(JSON.stringify({ test: 'chaos', ...fields }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Under a steady load, each part of the system fails in turn — SIGKILL of the matcher, then of a
 * dispatcher, then of the config service, a nats-server restart, and the MongoDB-wire server
 * down for a while — and comes back a few seconds later. No delivery may be lost; repeats are
 * counted and must carry the idempotency key of the delivery they repeat.
 */
describe('chaos', () => {
  let system: System;
  let receiver: CountingReceiver;

  beforeAll(async () => {
    receiver = await CountingReceiver.start();
    system = await System.start({
      dispatchers: 2,
      env: {
        DISPATCHER_RETRY_SCHEDULE: '1s,2s,3s,5s,5s,10s,10s,10s,10s',
        MATCHER_ACK_WAIT: '5s',
        DISPATCHER_MAX_TIMEOUT: '10s',
        DISPATCHER_ACK_WAIT: '20s',
      },
    });
  });
  afterAll(async () => {
    await system?.close();
    await receiver?.close();
  });

  it('loses nothing when every part fails in turn', async () => {
    const callbacks = [
      await system.createCallback(
        sampleCallback({ databaseId: 'chaos', url: receiver.url('/a'), actions: [], triggers: [] }),
      ),
      await system.createCallback(
        sampleCallback({ databaseId: 'chaos', url: receiver.url('/b'), actions: [], triggers: [] }),
      ),
    ];
    const load = new SteadyLoad(
      system.publisher,
      (n) =>
        sampleEvent({
          databaseId: 'chaos',
          action: Action.UPDATE,
          origin: Origin.PUBLISHER,
          fields: { name: 'piet', seq: String(n) },
        }),
      50,
    );
    load.start();
    const step = async (name: string, fail: () => Promise<void>, recover: () => Promise<void>) => {
      expect(await receiver.waitForDistinct(receiver.distinct.size + 50, 60_000), `traffic flows before ${name}`).toBe(
        true,
      );
      await fail();
      figure({ step: name, phase: 'down', delivered: receiver.distinct.size });
      await pause(3_000);
      await recover();
      figure({ step: name, phase: 'up', delivered: receiver.distinct.size });
    };

    await step(
      'matcher SIGKILL',
      () => system.matchers[0]!.kill(),
      () => system.matchers[0]!.start(),
    );
    await step(
      'dispatcher SIGKILL',
      () => system.dispatchers[0]!.kill(),
      () => system.dispatchers[0]!.start(),
    );
    await step(
      'config service SIGKILL',
      () => system.config.kill(),
      () => system.config.start(),
    );
    await step(
      'nats-server restart',
      () => system.nats.managed!.stop(),
      () => system.nats.managed!.start(),
    );
    await step(
      'MongoDB-wire server down',
      () => system.mongo.managed!.stop(),
      async () => {
        await pause(3_000);
        await system.mongo.managed!.start();
      },
    );
    expect(
      await receiver.waitForDistinct(receiver.distinct.size + 50, 60_000),
      'traffic flows after the last failure',
    ).toBe(true);
    await load.stop();

    const expected = new Set(load.published.flatMap((e) => callbacks.map((c) => deliveryIdFor(e.eventId, c.id))));
    const arrived = await receiver.waitForDistinct(expected.size, 180_000);
    const lost = [...expected].filter((id) => !receiver.distinct.has(id));
    const repeats = receiver.arrivals.length - receiver.distinct.size;
    const mislabelled = receiver.arrivals.filter((a) => JSON.parse(a.body.toString('utf8')).id !== a.deliveryId).length;
    figure({
      events: load.published.length,
      publish_retries: load.retries,
      expected: expected.size,
      delivered: receiver.distinct.size,
      lost: lost.length,
      duplicates: repeats,
      duplicates_with_another_id: mislabelled,
      all_arrived: arrived,
    });

    expect(lost).toEqual([]);
    expect(mislabelled).toBe(0);
    expect([...receiver.distinct].every((id) => expected.has(id))).toBe(true);
    // Every service rode out the failures of the others: none gave up and exited.
    expect(system.output().filter((line) => line.includes('cannot go on'))).toEqual([]);
    for (const service of [system.config, ...system.matchers, ...system.dispatchers])
      expect(service.pid, `${service.app} is running`).toBeDefined();
  });
});

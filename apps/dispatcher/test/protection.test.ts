import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { countMessages, TestReceiver } from '@callbacks/testing';
import type { RunningDispatcher } from '../src/app';
import { DISPATCHER_CONSUMER } from '../src/nats/job-consumer';
import {
  allFinal,
  job,
  publishJob,
  resultsFor,
  startInProcessDispatcher,
  startWorld,
  target,
  type World,
} from './harness';

describe('receiver protection', () => {
  let world: World;
  let hanging: TestReceiver;
  let healthy: TestReceiver;
  let dispatcher: RunningDispatcher;

  beforeAll(async () => {
    world = await startWorld();
    hanging = await TestReceiver.start();
    healthy = await TestReceiver.start();
    dispatcher = await startInProcessDispatcher(world, {
      DISPATCHER_TIMEOUT: '20s',
      DISPATCHER_ENDPOINT_CONCURRENCY: '2',
      DISPATCHER_ENDPOINT_QUEUE: '5',
      DISPATCHER_DEFER_DELAY: '1m',
      DISPATCHER_RETRY_SCHEDULE: '1h',
      DISPATCHER_BREAKER_FAILURES: '3',
      DISPATCHER_BREAKER_COOLDOWN: '1h',
    });
  });
  afterAll(async () => {
    await hanging?.close();
    await dispatcher?.stop();
    await healthy?.close();
    await world?.close();
  });

  it('a hanging endpoint delays only itself, within its concurrency limit', async () => {
    hanging.on('/hook', () => undefined); // never answers
    const stuck = Array.from({ length: 20 }, () => job(target(hanging.url('/hook'))));
    const fine = Array.from({ length: 50 }, () => job(target(healthy.url('/hook'))));
    // Interleaved, hanging ones first: a first-come-first-served dispatcher would block.
    for (let i = 0; i < 50; i++) {
      if (stuck[i]) await publishJob(world, stuck[i]!);
      await publishJob(world, fine[i]!);
    }
    await resultsFor(
      world,
      fine.map((j) => j.deliveryId),
      allFinal(fine.map((j) => j.deliveryId)),
    );
    // Every healthy delivery is done while the hanging endpoint's first attempts still hang.
    expect(
      await resultsFor(
        world,
        stuck.map((j) => j.deliveryId),
        () => true,
      ),
    ).toEqual([]);
    expect(hanging.requests.length).toBe(2);
    expect(hanging.maxConcurrent).toBe(2);
    // Beyond its queue, the hanging endpoint's jobs went back to the stream instead of waiting here.
    expect(dispatcher.deliverer.stats.deferred).toBe(20 - 2 - 5);
  });

  it('keeps pending retries out of the consumer: they wait as schedules in the stream', async () => {
    const failing = await TestReceiver.start();
    failing.on('/down', (_r, res) => res.writeHead(500).end());
    const retries = Array.from({ length: 300 }, () => job(target(failing.url('/down'))));
    const before = await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allRetrySchedules);
    for (const j of retries) await publishJob(world, j);
    // Each job leaves as a schedule: a retry (the three that were tried) or a deferral.
    const deadline = Date.now() + 60_000;
    while ((await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allRetrySchedules)) - before < 300) {
      if (Date.now() > deadline) throw new Error('not every job was scheduled');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const results = await resultsFor(
      world,
      retries.map((j) => j.deliveryId),
      (r) => r.length >= failing.requests.length,
    );
    await failing.close();

    // The breaker opened after 3 failures (a 4th may have been in flight by then, with two
    // allowed at once): the rest were deferred without being sent.
    expect(failing.requests.length).toBeGreaterThanOrEqual(3);
    expect(failing.requests.length).toBeLessThanOrEqual(4);
    expect(results.filter((r) => r.outcome === Outcome.RETRYING)).toHaveLength(failing.requests.length);
    const info = await (await jetstreamManager(world.nc)).consumers.info(STREAMS.deliveries.name, DISPATCHER_CONSUMER);
    // Only the hanging endpoint's jobs are held: 2 in flight and 5 queued; none of the 300.
    expect(info.num_ack_pending).toBeLessThanOrEqual(7);
    expect((await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allRetrySchedules)) - before).toBe(300);

    // And healthy endpoints still get everything at once.
    const fine = Array.from({ length: 20 }, () => job(target(healthy.url('/after'))));
    for (const j of fine) await publishJob(world, j);
    const done = await resultsFor(
      world,
      fine.map((j) => j.deliveryId),
      allFinal(fine.map((j) => j.deliveryId)),
    );
    expect(done.every((r) => r.outcome === Outcome.SUCCEEDED)).toBe(true);
  });
});

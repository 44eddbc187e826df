import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { countMessages, sampleCallback, sampleEvent, ServiceProcess } from '@callbacks/testing';
import { MATCHER_CONSUMER } from '../src/events/event-consumer';
import { allJobs, createCallback, startWorld, waitForMatcherIdle, type World } from './harness';

/** The matcher as a process: a crash is a real SIGKILL, scale-out is real processes. */
function matcherProcess(world: World): ServiceProcess {
  return new ServiceProcess(
    'matcher',
    { ...world.matcherEnv, MATCHER_ACK_WAIT: '2s', LOG_LEVEL: 'info' },
    /matcher consuming events/,
  );
}

async function publishAll(world: World, events: ProfileEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) {
    await Promise.all(events.slice(i, i + 100).map((e) => world.publisher.publish(e)));
  }
}

function expectedIds(events: ProfileEvent[], callbacks: Callback[]): Set<string> {
  return new Set(events.flatMap((e) => callbacks.map((c) => deliveryIdFor(e.eventId, c.id))));
}

describe('matcher processes', () => {
  let world: World;
  const running: ServiceProcess[] = [];
  beforeAll(async () => {
    world = await startWorld(inject('mongoUrl'));
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await world?.close();
  });

  it('killed with SIGKILL in the middle of 1,000 events and restarted: every job exactly once', async () => {
    const callbacks = [
      await createCallback(world, sampleCallback({ databaseId: 'burst', actions: [], triggers: [] })),
      await createCallback(
        world,
        sampleCallback({ databaseId: 'burst', actions: [], triggers: [], url: 'https://second.example.com/' }),
      ),
    ];
    const first = matcherProcess(world);
    running.push(first);
    await first.start();

    const events = Array.from({ length: 1000 }, () => sampleEvent({ databaseId: 'burst' }));
    const publishing = publishAll(world, events);
    // Kill it once it is well into the burst (some jobs out, many events still to go).
    for (;;) {
      const jobs = await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allDeliveryJobs);
      if (jobs >= 200) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await first.kill();
    const atKill = await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allDeliveryJobs);
    await publishing;
    expect(atKill).toBeLessThan(2000);

    const second = matcherProcess(world);
    running.push(second);
    await second.start();
    await waitForMatcherIdle(world, 120_000);

    const jobs = (await allJobs(world)).filter(({ job }) => job.event!.databaseId === 'burst');
    const ids = jobs.map(({ job }) => job.deliveryId);
    console.log(
      `jobs when killed: ${atKill}; after restart: ${ids.length} (expected ${events.length * callbacks.length})`,
    );
    expect(ids.length).toBe(events.length * callbacks.length);
    expect(new Set(ids)).toEqual(expectedIds(events, callbacks));
    await second.stop();
  });

  it('two instances on the same consumer split the work and match each event once', async () => {
    const callbacks = [
      await createCallback(world, sampleCallback({ databaseId: 'shared', actions: [], triggers: [] })),
    ];
    const a = matcherProcess(world);
    const b = matcherProcess(world);
    running.push(a, b);
    await Promise.all([a.start(), b.start()]);

    const events = Array.from({ length: 600 }, () => sampleEvent({ databaseId: 'shared' }));
    await publishAll(world, events);
    await waitForMatcherIdle(world, 120_000);

    const jobs = (await allJobs(world)).filter(({ job }) => job.event!.databaseId === 'shared');
    const ids = jobs.map(({ job }) => job.deliveryId);
    expect(ids.length).toBe(events.length);
    expect(new Set(ids)).toEqual(expectedIds(events, callbacks));
    const byInstance = new Map<string, number>();
    for (const { matchedBy } of jobs) byInstance.set(matchedBy, (byInstance.get(matchedBy) ?? 0) + 1);
    console.log('jobs per matcher instance:', Object.fromEntries(byInstance));
    expect(byInstance.size).toBe(2);
  });

  // Last: it deletes the consumer the other tests use (a new matcher would create it again).
  it('says so and exits 1 when its consumer is deleted, rather than waiting forever for events', async () => {
    const matcher = matcherProcess(world);
    running.push(matcher);
    await matcher.start();
    await (await jetstreamManager(world.nc)).consumers.delete(STREAMS.events.name, MATCHER_CONSUMER);
    const fatal = JSON.parse(await matcher.waitFor(/cannot go on/)) as { level: string; err: { message: string } };
    expect(fatal.level).toBe('fatal');
    expect(fatal.err.message).toMatch(/the matcher consumer (stopped delivering|failed)/);
    expect(await matcher.stop()).toBe(1);
  });
});

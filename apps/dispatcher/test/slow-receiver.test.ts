import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { countMessages, readStream, ReceiverProcess } from '@callbacks/testing';
import type { RunningDispatcher } from '../src/app';
import { job, publishJob, startInProcessDispatcher, startWorld, target, type World } from './harness';

const BURST = 3_000;
const DEFER_DELAY_MS = 5_000;
/** A deferral while the breaker is closed is due within the defer delay and its spread; the schedule's time is read to the second. */
const FURTHEST_DUE_MS = 1.25 * DEFER_DELAY_MS + 1_000;

/** When the jobs waiting as schedules in the stream are due (ms since the epoch). */
async function scheduledDueTimes(world: World): Promise<number[]> {
  const count = await countMessages(world.nc, STREAMS.deliveries.name, SUBJECTS.allRetrySchedules);
  if (count === 0) return [];
  const messages = await readStream(world.nc, STREAMS.deliveries.name, SUBJECTS.allRetrySchedules, count, 5_000);
  return messages.map((m) => Date.parse((m.headers?.get('Nats-Schedule') ?? '').replace('@at ', '')));
}

describe('a receiver slow for 2 s during a burst', () => {
  let world: World;
  let receiver: ReceiverProcess;
  let dispatcher: RunningDispatcher;

  beforeAll(async () => {
    world = await startWorld();
    receiver = await ReceiverProcess.start();
    dispatcher = await startInProcessDispatcher(world, { DISPATCHER_DEFER_DELAY: `${DEFER_DELAY_MS}ms` });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
    await world?.close();
  });

  it(
    'gets everything, and the dispatcher never sits idle waiting for jobs it put off beyond a defer delay',
    { timeout: 120_000 },
    async () => {
      // Its own process answers in 500 ms for 2 s from the burst's first request, then at once.
      await receiver.slowFor(500, 2_000);
      const callback = target(receiver.url('/hook'));
      const burst = Array.from({ length: BURST }, () => job(callback));

      // While deliveries are missing and the dispatcher holds none, the missing ones wait as
      // schedules: each must be due soon, or the endpoint sits idle with work waiting.
      let breakerOpened = false;
      let checking = false;
      let violation: (error: Error) => void = () => undefined;
      const violated = new Promise<never>((_resolve, reject) => (violation = reject));
      const sampler = setInterval(() => {
        breakerOpened ||= dispatcher.deliverer.endpointStates().some((e) => e.breaker !== 'closed');
        if (checking || dispatcher.deliverer.heldCount > 0 || receiver.distinct.size >= BURST) return;
        checking = true;
        const now = Date.now();
        scheduledDueTimes(world)
          .then((due) => {
            const furthest = Math.max(0, ...due.filter((at) => at > now).map((at) => at - now));
            if (furthest > FURTHEST_DUE_MS) {
              violation(
                new Error(
                  `idle with ${BURST - receiver.distinct.size} deliveries missing, and a job given back is due ${furthest} ms from now`,
                ),
              );
            }
          })
          .catch(violation)
          .finally(() => (checking = false));
      }, 100);

      try {
        // Published 20 at a time: a burst, faster than the receiver takes them even when healthy.
        await Promise.all(
          Array.from({ length: 20 }, async (_, lane) => {
            for (let i = lane; i < burst.length; i += 20) await publishJob(world, burst[i]!);
          }),
        );
        const arrived = await Promise.race([receiver.waitForDistinct(BURST, 100_000), violated]);
        expect(arrived).toBe(true);
      } finally {
        clearInterval(sampler);
      }

      expect(burst.every((j) => receiver.distinct.has(j.deliveryId))).toBe(true);
      // The slowdown fell within the burst and made the dispatcher give jobs back; the receiver
      // answered all along, so its breaker stayed closed and nothing was retried.
      const slow = await receiver.slowed();
      expect(receiver.arrivals.filter((a) => a.at < slow.until).length).toBeLessThan(BURST);
      expect(dispatcher.deliverer.stats.deferred).toBeGreaterThan(0);
      expect(breakerOpened).toBe(false);
      expect(dispatcher.deliverer.stats.retrying).toBe(0);
    },
  );
});

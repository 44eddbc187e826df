import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { GetDeliveryStatsRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { sampleEvent } from '@callbacks/testing';
import { BufferedDeliveryStats } from '../src/deliveries/buffered-stats';
import type { MinuteTally } from '../src/deliveries/delivery-stats';
import { MongoDeliveryStats } from '../src/mongo/mongo-delivery-stats';
import { A, attemptResult, B, type DeliveryWorld, startDeliveryWorld, SUCCESS } from './delivery-world';
import { call, type Harness, startHarness } from './harness';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let w: DeliveryWorld;
let second: Harness | undefined;
beforeAll(async () => {
  w = await startDeliveryWorld(inject('mongoUrl'));
  // A second instance on the same database and streams: both share the results consumer.
  second = await startHarness({
    mongoUrl: inject('mongoUrl'),
    natsUrl: w.natsUrl,
    env: { CONFIG_MONGO_DATABASE: w.h.database },
  });
});
afterAll(async () => {
  await second?.close();
  await w?.close();
});

function stats(request: Partial<GetDeliveryStatsRequest>, metadata = A) {
  return call(
    w.h.client.getDeliveryStats.bind(w.h.client),
    { callbackId: '', accountId: '', startTime: undefined, endTime: undefined, interval: 0, ...request },
    metadata,
  );
}

describe('delivery statistics', () => {
  it('count every attempt once, for the callback and its account, with two instances recording', async () => {
    const [one, two] = [await w.createCallback(), await w.createCallback()];
    const other = await w.createCallback({ accountId: 'acct-b' }, B);
    const start = new Date(Date.now() - 2 * HOUR);
    const at = (minutes: number) => new Date(start.getTime() + minutes * MINUTE);
    const published: Promise<void>[] = [];
    const succeededAtOnce: AttemptResult[] = [];
    // 60 deliveries over two hours to `one`: every third fails once, then succeeds; every tenth dies at its second.
    for (let i = 0; i < 60; i++) {
      const event = sampleEvent();
      const retried = i % 3 === 0;
      const dies = i % 10 === 0;
      const first = attemptResult(one, event, {
        ...(retried ? { outcome: Outcome.RETRYING, nextAttemptAt: at(2 * i + 1) } : SUCCESS),
        startedAt: at(2 * i),
        matchedAt: at(2 * i),
      });
      published.push(w.publishResult(first));
      if (!retried) succeededAtOnce.push(first);
      if (retried) {
        const secondAttempt = attemptResult(one, event, {
          ...(dies ? {} : SUCCESS),
          attempt: 2,
          startedAt: at(2 * i + 1),
          matchedAt: at(2 * i),
        });
        published.push(w.publishResult(secondAttempt));
        // The same result again past JetStream's duplicate window: still one attempt.
        published.push(w.publishResult(secondAttempt, `again-${secondAttempt.deliveryId}`));
      }
    }
    for (const callback of [two, other]) {
      published.push(w.publishResult(attemptResult(callback, sampleEvent(), { ...SUCCESS, startedAt: at(30) })));
    }
    await Promise.all(published);
    await w.recorded();
    // Successes at once, recorded already, again past the duplicate window: still one attempt each.
    await Promise.all(succeededAtOnce.map((result) => w.publishResult(result, `again-${result.deliveryId}`)));
    await w.recorded();
    // What the other instance counted reaches the database at its next flush, at the latest when it stops.
    await second?.close();
    second = undefined;

    const period = { startTime: start, endTime: at(120) };
    // 60 first attempts: 20 retried; of those 20 second attempts, 2 dead (i = 0, 30) and... i % 10 === 0 && i % 3 === 0.
    const dead = [...Array(60).keys()].filter((i) => i % 3 === 0 && i % 10 === 0).length;
    const expected = { succeeded: 40 + 20 - dead, retrying: 20, dead };
    const ofOne = await stats({ ...period, callbackId: one.id });
    expect(ofOne.totals).toEqual(expected);
    expect(ofOne.failureRate).toBeCloseTo((20 + dead) / 80, 6);
    expect(ofOne.buckets.reduce((n, b) => n + (b.counts?.retrying ?? 0), 0)).toBe(20);

    const ofAccount = await stats({ ...period, accountId: 'acct-a' });
    expect(ofAccount.totals).toEqual({ ...expected, succeeded: expected.succeeded + 1 });
    const ofB = await stats({ ...period, accountId: 'acct-b' }, B);
    expect(ofB.totals).toEqual({ succeeded: 1, retrying: 0, dead: 0 });
  });

  it('add up increments written at once by several instances', async () => {
    const hour = Math.floor((Date.now() - DAY) / HOUR) * HOUR;
    const tally = (minute: number): MinuteTally => ({
      accountId: 'acct-race',
      callbackId: 'cb_race',
      minute: new Date(hour + minute * MINUTE),
      counts: { succeeded: 1, retrying: 1, dead: 0 },
      latency: [2],
    });
    const clients = await Promise.all([1, 2].map(() => new MongoClient(inject('mongoUrl')).connect()));
    try {
      const stores = clients.map((client) => new MongoDeliveryStats(client.db(w.h.database), DAY));
      // Each instance flushes 25 times, the two at once, into the same hour's documents (created by the first).
      await Promise.all(
        stores.map(async (store) => {
          const buffered = new BufferedDeliveryStats(store, (error) => {
            throw error;
          });
          await Promise.all(
            [...Array(25).keys()].map(async (i) => {
              await buffered.add([tally(i % 3)]);
              await buffered.flush();
            }),
          );
        }),
      );
      const period = { from: new Date(hour), until: new Date(hour + HOUR) };
      for (const filter of [{ callbackId: 'cb_race' }, { accountId: 'acct-race' }]) {
        const tallies = await stores[0]!.read({ ...filter, ...period });
        const sum = tallies.reduce((n, t) => n + t.counts.succeeded + t.counts.retrying, 0);
        expect(sum).toBe(2 * 25 * 2);
        expect(tallies.map((t) => t.minute.getTime() - hour).sort((a, b) => a - b)).toEqual([0, MINUTE, 2 * MINUTE]);
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});

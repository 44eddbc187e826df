import { status } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { type Callback, CallbackState, Format } from '@callbacks/proto/callbacks/v1/callback';
import type { ReplayDeliveriesRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { sampleEvent } from '@callbacks/testing';
import { MAX_REPLAY } from '../src/deliveries/replay-deliveries';
import type { DeliveryDocument } from '../src/mongo/delivery-document';
import { A, attemptResult, B, type DeliveryWorld, startDeliveryWorld, SUCCESS } from './delivery-world';
import { call, callFails, violatedFields } from './harness';

const MINUTE = 60_000;

let w: DeliveryWorld;
beforeAll(async () => {
  w = await startDeliveryWorld(inject('mongoUrl'));
});
afterAll(async () => {
  await w?.close();
});

async function setState(callback: Callback, state: CallbackState): Promise<Callback> {
  const { callback: updated } = await call(
    w.h.client.updateCallback.bind(w.h.client),
    { callback: { ...callback, state }, updateMask: ['state'], expectedRevision: 0 },
    A,
  );
  return updated!;
}

function replay(request: Partial<ReplayDeliveriesRequest>, metadata = A): Promise<string[]> {
  return call(
    w.h.client.replayDeliveries.bind(w.h.client),
    {
      deliveryIds: [],
      callbackId: '',
      states: [],
      startTime: undefined,
      endTime: undefined,
      requestId: '',
      ...request,
    },
    metadata,
  ).then((response) => response.deliveryIds);
}

function replayFails(request: Partial<ReplayDeliveriesRequest>, metadata = A) {
  return callFails(
    w.h.client.replayDeliveries.bind(w.h.client),
    {
      deliveryIds: [],
      callbackId: '',
      states: [],
      startTime: undefined,
      endTime: undefined,
      requestId: '',
      ...request,
    },
    metadata,
  );
}

describe('replay', () => {
  it("replays dead deliveries after the receiver recovers, with the callback's settings as they are now", async () => {
    const callback = await w.createCallback({ url: 'https://broken.example.com/hook' });
    const base = Date.now() - 60 * MINUTE;
    const dead = [2, 0, 1].map((minute) =>
      attemptResult(callback, sampleEvent(), { attempt: 10, matchedAt: new Date(base + minute * MINUTE) }),
    );
    const succeeded = attemptResult(callback, sampleEvent(), { ...SUCCESS, matchedAt: new Date(base) });
    for (const result of [...dead, succeeded]) await w.publishResult(result);
    await w.recorded();

    // The receiver is fixed, and moved: the replays must go where the callback points now.
    const { callback: fixed } = await call(
      w.h.client.updateCallback.bind(w.h.client),
      {
        callback: { ...callback, url: 'https://fixed.example.com/hook', format: Format.XML },
        updateMask: ['url', 'format'],
        expectedRevision: callback.revision,
      },
      A,
    );
    const replayed = await replay({ callbackId: callback.id });

    const oldestFirst = [dead[1]!, dead[2]!, dead[0]!];
    expect(replayed).toHaveLength(3);
    const jobs = await w.jobs(callback);
    expect(jobs.map(({ job }) => job.deliveryId)).toEqual(replayed);
    expect(jobs.map(({ msgId }) => msgId)).toEqual(replayed);
    jobs.forEach(({ job }, i) => {
      const original = oldestFirst[i]!;
      expect(job.deliveryId).toMatch(/^dl_[0-9a-f]{32}$/);
      expect(job.deliveryId).not.toBe(original.deliveryId);
      expect(job).toMatchObject({ replayOf: original.deliveryId, attempt: 1, skipped: false, event: original.event });
      expect(job.callback).toMatchObject({
        id: callback.id,
        url: 'https://fixed.example.com/hook',
        format: Format.XML,
        revision: fixed!.revision,
      });
    });

    // Recorded at once, linked to their originals; the originals stay as they were.
    const first = await w.getDelivery(replayed[0]!);
    expect(first).toMatchObject({
      state: DeliveryState.PENDING,
      replayOf: oldestFirst[0]!.deliveryId,
      eventId: oldestFirst[0]!.eventId,
      attemptCount: 0,
    });
    await w.publishResult(
      attemptResult(callback, oldestFirst[0]!.event, {
        ...SUCCESS,
        deliveryId: replayed[0]!,
        replayOf: oldestFirst[0]!.deliveryId,
        matchedAt: first.createTime,
      }),
    );
    await w.recorded();
    expect(await w.getDelivery(replayed[0]!)).toMatchObject({
      state: DeliveryState.SUCCEEDED,
      replayOf: oldestFirst[0]!.deliveryId,
      attemptCount: 1,
    });
    expect((await w.getDelivery(oldestFirst[0]!.deliveryId)).state).toBe(DeliveryState.DEAD);
  });

  it('replays named deliveries in the order given, whatever their state', async () => {
    const callback = await w.createCallback();
    const [one, two] = [attemptResult(callback), attemptResult(callback, sampleEvent(), SUCCESS)];
    await w.publishResult(one!);
    await w.publishResult(two!);
    await w.recorded();

    const replayed = await replay({ deliveryIds: [two!.deliveryId, one!.deliveryId] });
    const jobs = await w.jobs(callback);
    expect(jobs.map(({ job }) => [job.deliveryId, job.replayOf])).toEqual([
      [replayed[0], two!.deliveryId],
      [replayed[1], one!.deliveryId],
    ]);
  });

  it('replays each original once for one request id, however often the call is made', async () => {
    const callback = await w.createCallback();
    const dead = [attemptResult(callback), attemptResult(callback)];
    for (const result of dead) await w.publishResult(result);
    await w.recorded();

    // As a client retrying after an answer that never came, or after a failure half-way.
    const first = await replay({ callbackId: callback.id, requestId: 'req-7f3a' });
    const again = await replay({ callbackId: callback.id, requestId: 'req-7f3a' });
    expect(again).toEqual(first);
    const jobs = await w.jobs(callback);
    expect(jobs.map(({ job }) => job.deliveryId).sort()).toEqual([...first].sort());
    // Another request is another replay.
    const other = await replay({ callbackId: callback.id, requestId: 'req-91c0' });
    expect(other.filter((id) => first.includes(id))).toEqual([]);

    const invalid = await replayFails({ callbackId: callback.id, requestId: 'not a request id' });
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
  });

  it('records events matched while the callback was disabled as skipped, and replays them only when asked', async () => {
    const callback = await setState(await w.createCallback(), CallbackState.DISABLED);
    const skipped = [0, 1].map((minute) =>
      attemptResult(callback, sampleEvent(), {
        outcome: Outcome.SKIPPED,
        statusCode: 0,
        errorClass: '',
        errorMessage: '',
        responseExcerpt: '',
        matchedAt: new Date(Date.now() - (10 - minute) * MINUTE),
      }),
    );
    for (const result of skipped) await w.publishResult(result);
    await w.recorded();

    const listed = await call(
      w.h.client.listDeliveries.bind(w.h.client),
      {
        callbackId: callback.id,
        state: DeliveryState.SKIPPED,
        startTime: undefined,
        endTime: undefined,
        pageSize: 0,
        pageToken: '',
      },
      A,
    );
    expect(listed.deliveries.map((d) => d.id).sort()).toEqual(skipped.map((r) => r.deliveryId).sort());
    expect(await w.getDelivery(skipped[0]!.deliveryId)).toMatchObject({
      state: DeliveryState.SKIPPED,
      attemptCount: 0,
      attempts: [],
      lastAttempt: undefined,
    });

    const refused = await replayFails({ callbackId: callback.id });
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/CALLBACK_STATE_DISABLED: enable it .* before replaying/);
    expect((await replayFails({ deliveryIds: [skipped[0]!.deliveryId] })).code).toBe(status.FAILED_PRECONDITION);

    // Enabling it again does not flood the receiver with what was skipped...
    await setState(callback, CallbackState.ACTIVE);
    expect(await w.jobs(callback)).toEqual([]);
    // ...until someone asks.
    const replayed = await replay({ callbackId: callback.id });
    expect((await w.jobs(callback)).map(({ job }) => job.replayOf)).toEqual(skipped.map((r) => r.deliveryId));
    expect(replayed).toHaveLength(2);
  });

  it('replays only the states and the time range asked for', async () => {
    const callback = await w.createCallback();
    const base = Date.now() - 100 * MINUTE;
    const results = [0, 1, 2, 3].map((minute) =>
      attemptResult(callback, sampleEvent(), { matchedAt: new Date(base + minute * MINUTE) }),
    );
    const pending = attemptResult(callback, sampleEvent(), {
      outcome: Outcome.RETRYING,
      matchedAt: new Date(base + MINUTE),
    });
    for (const result of [...results, pending]) await w.publishResult(result);
    await w.recorded();

    await replay({ callbackId: callback.id, startTime: new Date(base + MINUTE), endTime: new Date(base + 3 * MINUTE) });
    expect((await w.jobs(callback)).map(({ job }) => job.replayOf)).toEqual([
      results[1]!.deliveryId,
      results[2]!.deliveryId,
    ]);
    // The replays just made are pending too, but were created now: outside this range.
    await replay({ callbackId: callback.id, states: [DeliveryState.PENDING], endTime: new Date(base + 10 * MINUTE) });
    expect((await w.jobs(callback)).map(({ job }) => job.replayOf).slice(2)).toEqual([pending.deliveryId]);
  });

  it("does not replay another account's deliveries", async () => {
    const theirs = await w.createCallback({ accountId: 'acct-b' }, B);
    const result = attemptResult(theirs);
    await w.publishResult(result);
    await w.recorded();

    expect((await replayFails({ deliveryIds: [result.deliveryId] })).code).toBe(status.NOT_FOUND);
    expect((await replayFails({ callbackId: theirs.id })).code).toBe(status.NOT_FOUND);
    expect(await w.jobs(theirs)).toEqual([]);
  });

  it('validates the request', async () => {
    const bad = await replayFails({ deliveryIds: ['dl_1', 'no such id!', 'dl_1'], callbackId: 'cb_1' });
    expect(violatedFields(bad).sort()).toEqual(['delivery_ids', 'delivery_ids[1]', 'delivery_ids[2]']);
    expect(violatedFields(await replayFails({}))).toEqual(['delivery_ids']);
    expect(violatedFields(await replayFails({ callbackId: 'cb_1', states: [DeliveryState.UNSPECIFIED] }))).toEqual([
      'states[0]',
    ]);
    const tooMany = await replayFails({ deliveryIds: Array.from({ length: MAX_REPLAY + 1 }, (_, i) => `dl_${i}`) });
    expect(tooMany.details).toMatch(/at most 10000 deliveries per call/);
  });

  it('refuses a bulk replay of more than 10000 deliveries, and says how to split it', async () => {
    const callback = await w.createCallback();
    // Recorded straight into the database: ten thousand results through NATS would only make the test slow.
    const mongo = new MongoClient(inject('mongoUrl'));
    try {
      const now = Date.now();
      const docs: DeliveryDocument[] = Array.from({ length: MAX_REPLAY + 1 }, (_, i) => ({
        _id: `dl_bulk_${i}`,
        accountId: callback.accountId,
        callbackId: callback.id,
        eventId: `evt-bulk-${i}`,
        state: 'DELIVERY_STATE_DEAD',
        progress: 11,
        attemptCount: 1,
        createTime: new Date(now - i),
        updateTime: new Date(now),
        nextAttemptTime: null,
        replayOf: '',
        callbackRevision: 1,
        event: null,
        lastAttempt: null,
        expireAt: new Date(now + 86_400_000),
      }));
      await mongo.db(w.h.database).collection<DeliveryDocument>('deliveries').insertMany(docs);
    } finally {
      await mongo.close();
    }
    const refused = await replayFails({ callbackId: callback.id });
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/more than 10000 deliveries match.*narrow start_time and end_time/);
    expect(await w.jobs(callback)).toEqual([]);
  });
});

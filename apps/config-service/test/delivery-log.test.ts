import { status } from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ListDeliveriesRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { type Delivery, DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { sampleEvent } from '@callbacks/testing';
import { indexUse, usesSecondaryIndexes } from '../src/mongo/missing-indexes';
import { MongoDeliveryLog } from '../src/mongo/mongo-delivery-log';
import { DELIVERY_LOG_CONSUMER } from '../src/nats/attempt-result-consumer';
import { A, attemptResult, B, type DeliveryWorld, startDeliveryWorld, SUCCESS } from './delivery-world';
import { auth, call, callFails, TOKENS, violatedFields } from './harness';

const ADMIN = auth(TOKENS.admin);
const MINUTE = 60_000;

let w: DeliveryWorld;
beforeAll(async () => {
  w = await startDeliveryWorld(inject('mongoUrl'));
});
afterAll(async () => {
  await w?.close();
});

async function listAll(request: Partial<ListDeliveriesRequest>, metadata = A): Promise<Delivery[][]> {
  const pages: Delivery[][] = [];
  let pageToken = '';
  do {
    const page = await call(
      w.h.client.listDeliveries.bind(w.h.client),
      { callbackId: '', state: 0, startTime: undefined, endTime: undefined, pageSize: 0, ...request, pageToken },
      metadata,
    );
    pages.push(page.deliveries);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return pages;
}

describe('delivery log', () => {
  it('records every attempt of a delivery, and a redelivered result only once', async () => {
    const callback = await w.createCallback();
    const event = sampleEvent();
    const matchedAt = new Date(Date.now() - 10 * MINUTE);
    const at = (minutes: number) => new Date(matchedAt.getTime() + minutes * MINUTE);
    const first = attemptResult(callback, event, {
      attempt: 1,
      outcome: Outcome.RETRYING,
      matchedAt,
      startedAt: at(0),
      statusCode: 500,
      nextAttemptAt: at(1),
    });
    const second = attemptResult(callback, event, {
      attempt: 2,
      outcome: Outcome.RETRYING,
      matchedAt,
      startedAt: at(1),
      statusCode: 0,
      errorClass: 'timeout',
      errorMessage: 'no complete response within the timeout',
      responseExcerpt: '',
      nextAttemptAt: at(6),
    });
    const third = attemptResult(callback, event, { attempt: 3, matchedAt, startedAt: at(6) });
    const before = w.h.service.deliveryLog.recorded;
    for (const result of [first, second, third]) await w.publishResult(result);
    // Redelivered: once past JetStream's duplicate window (another message id), once within it.
    await w.publishResult(second, 'redelivered-after-the-duplicate-window');
    await w.publishResult(first);
    await w.recorded();

    expect(w.h.service.deliveryLog.recorded - before).toBe(4);
    const delivery = await w.getDelivery(first.deliveryId);
    expect(delivery).toMatchObject({
      id: first.deliveryId,
      accountId: 'acct-a',
      callbackId: callback.id,
      eventId: event.eventId,
      state: DeliveryState.DEAD,
      attemptCount: 3,
      createTime: matchedAt,
      nextAttemptTime: undefined,
      replayOf: '',
    });
    expect(delivery.attempts.map((a) => [a.number, a.statusCode, a.errorClass])).toEqual([
      [1, 500, 'http_status'],
      [2, 0, 'timeout'],
      [3, 503, 'http_status'],
    ]);
    expect(delivery.attempts[2]).toMatchObject({
      startTime: at(6),
      duration: { seconds: 0, nanos: 120_000_000 },
      responseExcerpt: 'down for maintenance',
    });
    expect(delivery.lastAttempt).toEqual(delivery.attempts[2]);
  });

  it('keeps a delivery that ended with its first result in one document, and records that attempt once', async () => {
    const callback = await w.createCallback();
    const [once, retried] = [sampleEvent(), sampleEvent()];
    const startedAt = new Date(Date.now() - MINUTE);
    const succeeded = attemptResult(callback, once, { ...SUCCESS, startedAt });
    const failedFirst = attemptResult(callback, retried, {
      outcome: Outcome.RETRYING,
      startedAt,
      nextAttemptAt: new Date(),
    });
    const before = w.h.service.deliveryLog.recorded;
    await w.publishResult(succeeded);
    await w.publishResult(failedFirst);
    await w.recorded();
    // The same results again, past JetStream's duplicate window, and the retried delivery's end.
    await w.publishResult(succeeded, 'again-past-the-duplicate-window');
    await w.publishResult(failedFirst, 'again-past-the-duplicate-window-too');
    await w.publishResult(attemptResult(callback, retried, { ...SUCCESS, attempt: 2, matchedAt: startedAt }));
    await w.recorded();

    expect(w.h.service.deliveryLog.recorded - before).toBe(5);
    expect((await w.getDelivery(succeeded.deliveryId)).attempts).toEqual([
      expect.objectContaining({ number: 1, startTime: startedAt, statusCode: 200, responseExcerpt: 'ok' }),
    ]);
    expect((await w.getDelivery(failedFirst.deliveryId)).attempts.map((a) => [a.number, a.statusCode])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    const mongo = new MongoClient(inject('mongoUrl'));
    try {
      const attempts = mongo.db(w.h.database).collection('delivery_attempts');
      expect(await attempts.countDocuments({ deliveryId: succeeded.deliveryId })).toBe(0);
      expect(await attempts.countDocuments({ deliveryId: failedFirst.deliveryId })).toBe(2);
    } finally {
      await mongo.close();
    }
  });

  it('writes a full batch at once, and at stop the results still gathering for one', async () => {
    // A minute to gather a batch of three: waiting for it would time the test out.
    const v = await startDeliveryWorld(inject('mongoUrl'), {
      CONFIG_DELIVERY_LOG_BATCH: '3',
      CONFIG_DELIVERY_LOG_GATHER: '60s',
    });
    const mongo = new MongoClient(inject('mongoUrl'));
    try {
      const callback = await v.createCallback();
      const full = [sampleEvent(), sampleEvent(), sampleEvent()].map((e) => attemptResult(callback, e, SUCCESS));
      for (const result of full) await v.publishResult(result);
      await v.recorded();
      for (const result of full) expect((await v.getDelivery(result.deliveryId)).state).toBe(DeliveryState.SUCCEEDED);

      const gathering = attemptResult(callback, sampleEvent(), SUCCESS);
      await v.publishResult(gathering);
      const jsm = await jetstream(v.nc).jetstreamManager();
      while ((await jsm.consumers.info(STREAMS.results.name, DELIVERY_LOG_CONSUMER)).num_ack_pending === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await v.h.close();
      const stored = await mongo
        .db(v.h.database)
        .collection('deliveries')
        .findOne({ _id: gathering.deliveryId as never });
      expect(stored).toMatchObject({ state: 'DELIVERY_STATE_SUCCEEDED' });
    } finally {
      await mongo.close();
      await v.close();
    }
  });

  it('keeps the state of the latest attempt when results arrive out of order', async () => {
    const callback = await w.createCallback();
    const event = sampleEvent();
    const matchedAt = new Date();
    await w.publishResult(attemptResult(callback, event, { ...SUCCESS, attempt: 2, matchedAt }));
    await w.publishResult(
      attemptResult(callback, event, { attempt: 1, outcome: Outcome.RETRYING, matchedAt, nextAttemptAt: new Date() }),
    );
    await w.recorded();

    const delivery = await w.getDelivery(attemptResult(callback, event).deliveryId);
    expect(delivery).toMatchObject({
      state: DeliveryState.SUCCEEDED,
      attemptCount: 2,
      lastAttempt: { number: 2, statusCode: 200 },
    });
    expect(delivery.attempts.map((a) => a.number)).toEqual([1, 2]);
  });

  it('shows when a pending delivery is attempted next', async () => {
    const callback = await w.createCallback();
    const next = new Date(Date.now() + 5 * MINUTE);
    const result = attemptResult(callback, sampleEvent(), { outcome: Outcome.RETRYING, nextAttemptAt: next });
    await w.publishResult(result);
    await w.recorded();
    expect(await w.getDelivery(result.deliveryId)).toMatchObject({
      state: DeliveryState.PENDING,
      attemptCount: 1,
      nextAttemptTime: next,
    });
  });

  it('lists deliveries newest first, page by page, without gaps or repeats, by state and time', async () => {
    const callback = await w.createCallback();
    const base = Date.now() - 1_000 * MINUTE;
    // 120 deliveries, two at a time a minute apart (so ties are broken by id); every third one succeeded.
    const results = Array.from({ length: 120 }, (_, i) =>
      attemptResult(callback, sampleEvent(), {
        ...(i % 3 === 0 ? SUCCESS : {}),
        matchedAt: new Date(base + Math.floor(i / 2) * MINUTE),
        startedAt: new Date(base + Math.floor(i / 2) * MINUTE),
      }),
    );
    await Promise.all(results.map((r) => w.publishResult(r)));
    await w.recorded();

    const pages = await listAll({ callbackId: callback.id, pageSize: 50 });
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    const listed = pages.flat();
    expect(new Set(listed.map((d) => d.id)).size).toBe(120);
    const keys = listed.map((d) => [d.createTime!.getTime(), d.id] as const);
    expect(keys).toEqual([...keys].sort((x, y) => y[0] - x[0] || (y[1] < x[1] ? -1 : 1)));
    expect(listed[0]!.attempts).toEqual([]);
    expect(listed[0]!.lastAttempt).toBeDefined();

    const succeeded = (await listAll({ callbackId: callback.id, state: DeliveryState.SUCCEEDED })).flat();
    expect(succeeded).toHaveLength(40);
    expect(succeeded.every((d) => d.state === DeliveryState.SUCCEEDED)).toBe(true);

    // [minute 10, minute 20): the deliveries 20 to 39.
    const window = (
      await listAll({
        callbackId: callback.id,
        startTime: new Date(base + 10 * MINUTE),
        endTime: new Date(base + 20 * MINUTE),
      })
    ).flat();
    expect(window.map((d) => d.id).sort()).toEqual(
      results
        .slice(20, 40)
        .map((r) => r.deliveryId)
        .sort(),
    );
  });

  it('refuses a page token used with other filters, and bad filters', async () => {
    const callback = await w.createCallback();
    await Promise.all([1, 2, 3].map(() => w.publishResult(attemptResult(callback))));
    await w.recorded();
    const first = await call(
      w.h.client.listDeliveries.bind(w.h.client),
      { callbackId: callback.id, state: 0, startTime: undefined, endTime: undefined, pageSize: 1, pageToken: '' },
      A,
    );
    expect(first.nextPageToken).not.toBe('');
    const reused = await callFails(
      w.h.client.listDeliveries.bind(w.h.client),
      {
        callbackId: callback.id,
        state: DeliveryState.DEAD,
        startTime: undefined,
        endTime: undefined,
        pageSize: 1,
        pageToken: first.nextPageToken,
      },
      A,
    );
    expect(violatedFields(reused)).toEqual(['page_token']);

    const bad = await callFails(
      w.h.client.listDeliveries.bind(w.h.client),
      {
        callbackId: 'not an id',
        state: 9 as DeliveryState,
        startTime: new Date(2_000),
        endTime: new Date(1_000),
        pageSize: 5_000,
        pageToken: '',
      },
      A,
    );
    expect(violatedFields(bad).sort()).toEqual(['callback_id', 'end_time', 'page_size', 'state']);
  });

  it("shows a token only its accounts' deliveries", async () => {
    const theirs = await w.createCallback({ accountId: 'acct-b' }, B);
    const result = attemptResult(theirs);
    await w.publishResult(result);
    await w.recorded();

    expect((await callFails(w.h.client.getDelivery.bind(w.h.client), { id: result.deliveryId }, A)).code).toBe(
      status.NOT_FOUND,
    );
    expect((await listAll({ callbackId: theirs.id }, A)).flat()).toEqual([]);
    expect((await listAll({}, A)).flat().some((d) => d.accountId !== 'acct-a')).toBe(false);
    expect((await w.getDelivery(result.deliveryId, B)).accountId).toBe('acct-b');
    expect((await w.getDelivery(result.deliveryId, ADMIN)).accountId).toBe('acct-b');
  });

  it('drops results that can never be recorded, logs them, and carries on', async () => {
    const callback = await w.createCallback();
    const dropped = w.h.service.deliveryLog.dropped;
    await w.publishRaw(SUBJECTS.attemptResult('acct-a', callback.id), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    // A result about another account than its subject says.
    const misrouted = attemptResult(callback);
    await w.publishRaw(SUBJECTS.attemptResult('acct-b', callback.id), AttemptResult.encode(misrouted).finish());
    const good = attemptResult(callback);
    await w.publishResult(good);
    await w.recorded();

    expect(w.h.service.deliveryLog.dropped - dropped).toBe(2);
    expect((await w.getDelivery(good.deliveryId)).state).toBe(DeliveryState.DEAD);
    expect((await callFails(w.h.client.getDelivery.bind(w.h.client), { id: misrouted.deliveryId }, ADMIN)).code).toBe(
      status.NOT_FOUND,
    );
  });

  it('keeps secondary indexes only on a server whose queries use them', async () => {
    const mongo = new MongoClient(inject('mongoUrl'));
    try {
      const db = mongo.db(w.h.database);
      const names = (await db.collection('deliveries').listIndexes().toArray()).map((i) => i.name as string);
      // A list's filter, as the console asks it: pushed down to an index on MongoDB and on the patched
      // FerretDB, never on FerretDB 1.x as released.
      const plan = await db
        .collection('deliveries')
        .find({ accountId: 'acct-a', state: 'SUCCEEDED' })
        .sort({ createTime: -1 })
        .explain();
      const use = await indexUse(db);
      if (use === 'all') {
        expect(names).toEqual(expect.arrayContaining(['account_time', 'account_state_time', 'expire_at']));
        expect(JSON.stringify(plan.queryPlanner)).toContain('IXSCAN');
      } else if (use === 'pushdown') {
        // The FerretDB tools/infra builds: the indexes in a page's order, and SQLite uses them.
        expect(names).toEqual(expect.arrayContaining(['account_time', 'account_callback_time', 'expire_at']));
        expect(names).not.toContain('account_state_time');
        expect(plan).toMatchObject({ filterPushdown: true });
        expect(JSON.stringify(plan.queryPlanner)).toContain('USING INDEX');
      } else {
        expect(plan).toMatchObject({ filterPushdown: false, sortPushdown: false });
        expect(names).toEqual(['_id_']);
      }
    } finally {
      await mongo.close();
    }
  });

  it('deletes deliveries and their attempts once the retention has passed since they were created', async () => {
    const callback = await w.createCallback();
    // Pending, so its attempt has a document of its own (an attempt that ends a delivery at once has none).
    const expired = attemptResult(callback, sampleEvent(), {
      matchedAt: new Date(Date.now() - 31 * 24 * 60 * MINUTE),
      outcome: Outcome.RETRYING,
      nextAttemptAt: new Date(),
    });
    const kept = attemptResult(callback, sampleEvent(), { matchedAt: new Date(Date.now() - 29 * 24 * 60 * MINUTE) });
    await w.publishResult(expired);
    await w.publishResult(kept);
    await w.recorded();
    expect((await w.getDelivery(expired.deliveryId)).attempts).toHaveLength(1);

    // The periodic clean-up, run now, as every instance does every CONFIG_DELIVERY_CLEANUP_INTERVAL.
    const mongo = new MongoClient(inject('mongoUrl'));
    try {
      const removed = await new MongoDeliveryLog(mongo.db(w.h.database), 30 * 24 * 60 * MINUTE).purgeExpired(
        new Date(),
      );
      expect(removed).toEqual({ deliveries: 1, attempts: 1 });
      // An index on the expiry time where the server uses indexes (MongoDB, the patched FerretDB);
      // FerretDB 1.x as released, which reads the whole collection for the clean-up's delete
      // anyway, gets none beside `_id`'s.
      const db = mongo.db(w.h.database);
      const indexes = (await db.collection('deliveries').listIndexes().toArray()).map((i) => i.name as string);
      if (await usesSecondaryIndexes(db)) expect(indexes).toContain('expire_at');
      else expect(indexes).toEqual(['_id_']);
    } finally {
      await mongo.close();
    }
    expect((await callFails(w.h.client.getDelivery.bind(w.h.client), { id: expired.deliveryId }, A)).code).toBe(
      status.NOT_FOUND,
    );
    expect((await w.getDelivery(kept.deliveryId)).attempts).toHaveLength(1);
  });
});

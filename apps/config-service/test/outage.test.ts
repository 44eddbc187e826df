import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startMongo } from '@callbacks/infra';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { attemptResult, type DeliveryWorld, startDeliveryWorld } from './delivery-world';
import { auth, call, callFails, type Harness, sampleCallback, TOKENS } from './harness';

const A = auth(TOKENS.accountA);

// This file stops its database, so it runs its own MongoDB-wire server (and its own NATS, as the
// delivery log's consumer has a fixed name).
let mongo: Server;
let w: DeliveryWorld;
let h: Harness;
beforeAll(async () => {
  mongo = await startMongo();
  w = await startDeliveryWorld(mongo.url);
  h = w.h;
});
afterAll(async () => {
  await w?.close();
  await mongo?.close();
});

/** Calls until the driver has reconnected: the first calls after a restart may still race it. */
async function once<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as ServiceError).code !== status.UNAVAILABLE || Date.now() > deadline) throw error;
    }
  }
}

describe('database outage', () => {
  it('answers UNAVAILABLE while the database is down and recovers by itself', async () => {
    const { callback } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);

    await mongo.managed!.stop();
    const down = await callFails(h.client.getCallback.bind(h.client), { id: callback!.id }, A);
    expect(down.code).toBe(status.UNAVAILABLE);
    expect(down.details).toMatch(/database is unavailable/);
    const writeDown = await callFails(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    expect(writeDown.code).toBe(status.UNAVAILABLE);
    // The HTTP/JSON API says the same, as 503.
    const httpDown = await fetch(`${h.httpUrl}/v1/callbacks/${callback!.id}`, {
      headers: { authorization: `Bearer ${TOKENS.accountA}` },
    });
    expect(httpDown.status).toBe(503);
    expect(await httpDown.json()).toMatchObject({ code: status.UNAVAILABLE, message: down.details });

    await mongo.managed!.start();
    const { callback: again } = await once(() => call(h.client.getCallback.bind(h.client), { id: callback!.id }, A));
    expect(again).toEqual(callback);
    const { callback: created } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    expect(created!.revision).toBe(1);
  });

  it('records attempt results that arrive while the database is down once it is back, losing none', async () => {
    const callback = await w.createCallback();
    const retried = w.h.service.deliveryLog.retried;
    await mongo.managed!.stop();
    const result = attemptResult(callback);
    await w.publishResult(result);
    // The result is not acknowledged while it cannot be recorded: wait for the first failed try.
    const deadline = Date.now() + 30_000;
    while (w.h.service.deliveryLog.retried === retried) {
      if (Date.now() > deadline) throw new Error('the delivery log never tried to record the result');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    await mongo.managed!.start();
    await w.recorded();
    const { delivery } = await once(() => call(h.client.getDelivery.bind(h.client), { id: result.deliveryId }, A));
    expect(delivery).toMatchObject({ state: DeliveryState.DEAD, attemptCount: 1 });
    expect(delivery!.attempts).toHaveLength(1);
  });
});

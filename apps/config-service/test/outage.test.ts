import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startMongo, type Server } from '@callbacks/infra';
import { TOKENS, auth, call, callFails, sampleCallback, startHarness, type Harness } from './harness';

const A = auth(TOKENS.accountA);

// This file stops its database, so it runs its own MongoDB-wire server.
let mongo: Server;
let h: Harness;
beforeAll(async () => {
  mongo = await startMongo();
  h = await startHarness({ mongoUrl: mongo.url, natsUrl: inject('natsUrl') });
});
afterAll(async () => {
  await h?.close();
  await mongo?.close();
});

describe('database outage', () => {
  it('answers UNAVAILABLE while the database is down and recovers by itself', async () => {
    const { callback } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);

    await mongo.managed!.stop();
    const down = await callFails(h.client.getCallback.bind(h.client), { id: callback!.id }, A);
    expect(down.code).toBe(status.UNAVAILABLE);
    expect(down.details).toMatch(/database is unavailable/);
    const writeDown = await callFails(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    expect(writeDown.code).toBe(status.UNAVAILABLE);

    await mongo.managed!.start();
    // The driver reconnects on its own; the first calls after the restart may still race it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const { callback: again } = await call(h.client.getCallback.bind(h.client), { id: callback!.id }, A);
        expect(again).toEqual(callback);
        break;
      } catch (error) {
        if ((error as ServiceError).code !== status.UNAVAILABLE || Date.now() > deadline) throw error;
      }
    }
    const { callback: created } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    expect(created!.revision).toBe(1);
  });
});

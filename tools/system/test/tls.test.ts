import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { auth, call, sampleCallback, sampleEvent, TestReceiver } from '@callbacks/testing';
import { System } from '../src/system';

/**
 * The config service's API over TLS, as a deployment across machines runs it: callbacks created
 * over TLS reach the matcher (through the bucket) and fire, and a 410 disables its callback.
 */
describe('the system with the config service over TLS', () => {
  let receiver: TestReceiver;
  let system: System;
  const callbacks: Callback[] = [];

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    receiver.answer('/gone', () => 410);
    system = await System.start({
      tls: true,
      prepare: async (started) => {
        callbacks.push(
          await started.createCallback(
            sampleCallback({ databaseId: 'tls-ok', url: receiver.url('/ok'), actions: [], triggers: [] }),
          ),
        );
        callbacks.push(
          await started.createCallback(
            sampleCallback({ databaseId: 'tls-gone', url: receiver.url('/gone'), actions: [], triggers: [] }),
          ),
        );
      },
    });
  });
  afterAll(async () => {
    await system?.close();
    await receiver?.close();
  });

  it('delivers for callbacks created over TLS, and a 410 disables its callback', async () => {
    expect(system.config.output.some((line) => line.includes('"tls":true'))).toBe(true);
    for (const databaseId of ['tls-ok', 'tls-gone']) {
      await system.publisher.publish(sampleEvent({ databaseId, action: Action.UPDATE, origin: Origin.PUBLISHER }));
    }
    await receiver.waitFor('/ok', 1);
    await receiver.waitFor('/gone', 1);

    const gone = callbacks[1]!;
    const deadline = Date.now() + 30_000;
    let state = CallbackState.ACTIVE;
    while (state !== CallbackState.DISABLED_GONE && Date.now() < deadline) {
      ({ state } = (
        await call(system.client.getCallback.bind(system.client), { id: gone.id }, auth(system.token))
      ).callback!);
      if (state !== CallbackState.DISABLED_GONE) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toBe(CallbackState.DISABLED_GONE);
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callbackKey, openCallbacksBucket, toBucketEntry } from '@callbacks/messaging';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { ListCallbacksRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { sampleEvent } from '@callbacks/testing';
import { A, attemptResult, type DeliveryWorld, startDeliveryWorld, SUCCESS } from './delivery-world';
import { call } from './harness';

const MINUTE = 60_000;

// The failing period shortened from 5 days to an hour. Results carry the time of their attempt,
// and the period is judged on those times, so an hour of failures is published, not waited for.
let w: DeliveryWorld;
beforeAll(async () => {
  w = await startDeliveryWorld(inject('mongoUrl'), { CONFIG_FAILING_PERIOD: '1h' });
  await w.h.service.ready;
});
afterAll(async () => {
  await w?.close();
});

async function getCallback(id: string): Promise<Callback> {
  const { callback } = await call(w.h.client.getCallback.bind(w.h.client), { id }, A);
  return callback!;
}

async function enable(callback: Callback): Promise<Callback> {
  const { callback: updated } = await call(
    w.h.client.updateCallback.bind(w.h.client),
    { callback: { ...callback, state: CallbackState.ACTIVE }, updateMask: ['state'], expectedRevision: 0 },
    A,
  );
  return updated!;
}

/** One attempt of a new delivery, `minutes` after `start`, recorded before this resolves. */
async function attempt(
  callback: Callback,
  start: number,
  minutes: number,
  overrides: Partial<AttemptResult> = {},
): Promise<void> {
  const at = new Date(start + minutes * MINUTE);
  await w.publishResult(
    attemptResult(callback, sampleEvent(), {
      outcome: Outcome.RETRYING,
      statusCode: 500,
      matchedAt: at,
      startedAt: at,
      ...overrides,
    }),
  );
  await w.recorded();
}

/** What the matchers see of the callback: its version in the CALLBACKS bucket. */
async function inBucket(callback: Callback): Promise<Callback | undefined> {
  const entry = await (await openCallbacksBucket(w.nc)).get(callbackKey(callback));
  const read = entry && toBucketEntry(entry);
  return read?.op === 'put' ? read.callback : undefined;
}

describe('endpoint health', () => {
  it('disables a callback whose attempts only failed for the failing period, and tells the matchers', async () => {
    const callback = await w.createCallback();
    const start = Date.now();
    await attempt(callback, start, 1);
    await attempt(callback, start, 30);
    // A success starts the period over.
    await attempt(callback, start, 40, SUCCESS);
    await attempt(callback, start, 50);
    await attempt(callback, start, 109);
    expect((await getCallback(callback.id)).state).toBe(CallbackState.ACTIVE);
    // Lists say since when (the console's "failing since").
    const listed = await call(
      w.h.client.listCallbacks.bind(w.h.client),
      ListCallbacksRequest.fromPartial({ accountId: callback.accountId }),
      A,
    );
    expect(listed.failingSince[callback.id]).toEqual(new Date(start + 50 * MINUTE));

    await attempt(callback, start, 111, { outcome: Outcome.DEAD, statusCode: 502 });
    const disabled = await getCallback(callback.id);
    expect(disabled.state).toBe(CallbackState.DISABLED_FAILING);
    expect(disabled.stateReason).toMatch(
      new RegExp(
        `every attempt failed since ${new Date(start + 50 * MINUTE).toISOString()} \\(the latest: HTTP 502\\)`,
      ),
    );
    expect(disabled.revision).toBe(callback.revision + 1);
    expect(await inBucket(callback)).toMatchObject({
      state: CallbackState.DISABLED_FAILING,
      revision: disabled.revision,
    });
  });

  it('gives a callback that is enabled again a whole new failing period', async () => {
    const callback = await w.createCallback();
    const start = Date.now();
    await attempt(callback, start, 1);
    await attempt(callback, start, 62);
    const disabled = await getCallback(callback.id);
    expect(disabled.state).toBe(CallbackState.DISABLED_FAILING);
    await enable(disabled);

    await attempt(callback, start, 63);
    expect((await getCallback(callback.id)).state).toBe(CallbackState.ACTIVE);
    await attempt(callback, start, 124);
    expect((await getCallback(callback.id)).state).toBe(CallbackState.DISABLED_FAILING);
  });

  it('never counts our own failures (no valid signing key) against the endpoint', async () => {
    const callback = await w.createCallback();
    const start = Date.now();
    const ours = { statusCode: 0, errorClass: 'signing', errorMessage: 'no signing key in the key ring is valid' };
    await attempt(callback, start, 1, ours);
    await attempt(callback, start, 90, ours);
    expect((await getCallback(callback.id)).state).toBe(CallbackState.ACTIVE);
  });

  it('disables a callback whose receiver answered 410 Gone, and a redelivered old 410 does not disable it again', async () => {
    const callback = await w.createCallback();
    const gone = attemptResult(callback, sampleEvent(), {
      outcome: Outcome.GONE,
      statusCode: 410,
      errorMessage: 'the receiver answered 410 Gone',
    });
    await w.publishResult(gone);
    await w.recorded();
    const disabled = await getCallback(callback.id);
    expect(disabled).toMatchObject({
      state: CallbackState.DISABLED_GONE,
      stateReason: `the receiver answered 410 Gone (delivery ${gone.deliveryId})`,
    });
    expect(await inBucket(callback)).toMatchObject({ state: CallbackState.DISABLED_GONE });

    const enabled = await enable(disabled);
    await w.publishResult(gone, 'redelivered-after-the-duplicate-window');
    await w.recorded();
    expect(await getCallback(callback.id)).toMatchObject({ state: CallbackState.ACTIVE, revision: enabled.revision });

    // A retry matched before the user enabled it again, which a dispatcher does not send because
    // that revision was answered 410: recorded GONE after the enabling, yet no answer at all.
    const unsent = attemptResult(callback, sampleEvent(), {
      outcome: Outcome.GONE,
      attempt: 2,
      statusCode: 0,
      errorClass: 'gone',
      errorMessage: 'not sent: the receiver answered 410 Gone earlier and the callback is disabled',
      startedAt: new Date(),
    });
    await w.publishResult(unsent);
    await w.recorded();
    expect(await getCallback(callback.id)).toMatchObject({ state: CallbackState.ACTIVE, revision: enabled.revision });
  });
});

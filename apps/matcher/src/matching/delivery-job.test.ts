import { describe, expect, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { callbackTarget } from '@callbacks/domain';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { Format, Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { encodeTargetField, EventJobs } from './delivery-job';

describe('EventJobs', () => {
  const event = sampleEvent({
    fields: { name: 'piet', city: 'Amsterdam' },
    interests: [{ name: 'sport', group: 'g' }],
  });
  const matchedAt = new Date('2026-11-29T10:00:00.123Z');
  const callbacks = [
    { ...sampleCallback(), id: 'cb_1', revision: 3 },
    {
      ...sampleCallback({
        collectionId: 'orders',
        format: Format.XML,
        deliveryPolicy: { maxConcurrency: 4, maxRequestsPerSecond: 2.5, timeout: { seconds: 5, nanos: 0 } },
      }),
      id: 'cb_2',
      revision: 1,
    },
    {
      ...sampleCallback({ url: `https://hooks.example.com/${'x'.repeat(300)}` }),
      id: 'cb_3',
      revision: 12_345_678_901,
    },
    { ...sampleCallback({ ordering: Ordering.PER_PROFILE }), id: 'cb_4', revision: 2 },
  ];
  const sequence = 1_234_567;
  /** A callback as the matcher's index holds it. */
  const held = (callback: (typeof callbacks)[number]) => ({ ...callback, targetField: encodeTargetField(callback) });

  const expected = (callback: (typeof callbacks)[number], skipped: boolean): DeliveryJob => ({
    deliveryId: deliveryIdFor(event.eventId, callback.id),
    callback: callbackTarget(callback),
    event,
    attempt: 1,
    matchedAt,
    replayOf: '',
    skipped,
    sequence: callback.ordering === Ordering.PER_PROFILE ? sequence : 0,
  });

  it('writes the bytes DeliveryJob.encode gives the whole job, for every callback', () => {
    const jobs = new EventJobs(event, ProfileEvent.encode(event).finish(), matchedAt, sequence);
    for (const callback of callbacks) {
      for (const skipped of [false, true]) {
        const job = jobs.job(held(callback), skipped);
        expect(job.deliveryId).toBe(deliveryIdFor(event.eventId, callback.id));
        expect(Buffer.from(job.data).equals(DeliveryJob.encode(expected(callback, skipped)).finish())).toBe(true);
        expect(DeliveryJob.decode(job.data)).toEqual(expected(callback, skipped));
      }
    }
  });

  it('gives the sequence to ordered callbacks only: unordered jobs keep their bytes', () => {
    const withSequence = new EventJobs(event, ProfileEvent.encode(event).finish(), matchedAt, sequence);
    const without = new EventJobs(event, ProfileEvent.encode(event).finish(), matchedAt);
    expect(Buffer.from(withSequence.job(held(callbacks[0]!), false).data)).toEqual(
      Buffer.from(without.job(held(callbacks[0]!), false).data),
    );
    expect(DeliveryJob.decode(withSequence.job(held(callbacks[3]!), false).data).sequence).toBe(sequence);
  });

  it('carries the event as it arrived: unknown fields reach the dispatcher, which decodes the same event', () => {
    const unknownField = Uint8Array.from([0xfa, 0x06, 2, 0x68, 0x69]); // field 111, length-delimited: "hi"
    const arrived = Buffer.concat([ProfileEvent.encode(event).finish(), unknownField]);
    const job = new EventJobs(event, arrived, matchedAt, sequence).job(held(callbacks[0]!), false);
    expect(DeliveryJob.decode(job.data)).toEqual(expected(callbacks[0]!, false));
  });

  it('gives each event the time it was matched at, also when events of one millisecond share it', () => {
    const bytes = ProfileEvent.encode(event).finish();
    const times = [matchedAt, matchedAt, new Date(matchedAt.getTime() + 1), matchedAt, new Date(0)];
    for (const time of times) {
      const job = new EventJobs(event, bytes, time).job(held(callbacks[0]!), false);
      expect(DeliveryJob.decode(job.data).matchedAt).toEqual(time);
    }
  });
});

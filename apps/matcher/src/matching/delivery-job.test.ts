import { describe, expect, it } from 'vitest';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { deliveryJobFor, encodeDeliveryJob } from './delivery-job';

describe('encodeDeliveryJob', () => {
  it('decodes to the same job as encoding it whole', () => {
    const event = sampleEvent({ fields: { name: 'piet', city: 'Amsterdam' }, interests: [{ name: 'sport', group: 'g' }] });
    const job = deliveryJobFor(event, { ...sampleCallback(), id: 'cb_1', revision: 3 }, new Date('2026-11-29T10:00:00Z'));
    const bytes = encodeDeliveryJob(job, ProfileEvent.encode(event).finish());
    expect(DeliveryJob.decode(bytes)).toEqual({ ...job, event });
  });
});

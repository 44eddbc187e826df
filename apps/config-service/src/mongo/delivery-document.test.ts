import { describe, expect, it } from 'vitest';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { sampleEvent } from '@callbacks/testing';
import { type DeliveryDocument, fromDeliveryDocument, storedEvent } from './delivery-document';

const event = sampleEvent({ fields: { name: 'piet', city: 'Amsterdam' }, previousFields: { city: 'Utrecht' } });
const document = (stored: DeliveryDocument['event']): DeliveryDocument => ({
  _id: 'dl_1',
  accountId: 'a',
  callbackId: 'cb_1',
  eventId: event.eventId,
  state: 'DELIVERY_STATE_SUCCEEDED',
  progress: 3,
  attemptCount: 1,
  createTime: new Date(0),
  updateTime: new Date(0),
  nextAttemptTime: null,
  replayOf: '',
  callbackRevision: 1,
  event: stored,
  lastAttempt: null,
  expireAt: new Date(0),
});

describe('a stored delivery', () => {
  it('keeps its event whole, for replays', () => {
    expect(fromDeliveryDocument(document(storedEvent(event))).event).toEqual(event);
  });

  it('still reads the event of deliveries stored in the proto3 JSON mapping', () => {
    expect(fromDeliveryDocument(document(ProfileEvent.toJSON(event) as Record<string, unknown>)).event).toEqual(event);
  });
});

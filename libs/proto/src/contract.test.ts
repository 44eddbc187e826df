import { describe, expect, it } from 'vitest';
import { loadDescriptorSet } from './descriptor';
import { Action, Origin, ProfileEvent } from './gen/callbacks/events/v1/profile_event';

describe('generated ProfileEvent', () => {
  const event: ProfileEvent = {
    eventId: 'evt-1',
    accountId: '42',
    databaseId: '7',
    collectionId: '',
    profileId: '1001',
    subprofileId: '',
    action: Action.UPDATE,
    origin: Origin.PUBLISHER,
    occurredAt: new Date('2026-11-29T10:00:00Z'),
    fields: { name: 'piet', city: 'Amsterdam' },
    previousFields: { city: 'Utrecht' },
    interests: [{ name: 'sport', group: 'hobbies' }],
    previousInterests: [],
    createdAt: new Date('2020-01-01T00:00:00Z'),
    modifiedAt: new Date('2026-11-29T10:00:00Z'),
  };

  it('round-trips through the protobuf wire format', () => {
    const bytes = ProfileEvent.encode(event).finish();
    expect(ProfileEvent.decode(bytes)).toEqual(event);
  });

  it('reads the proto3 JSON mapping with original or camelCase names', () => {
    const json = {
      event_id: 'evt-1',
      accountId: '42',
      action: 'ACTION_UPDATE',
      origin: 'ORIGIN_REST',
      occurred_at: '2026-11-29T10:00:00Z',
      fields: { name: 'piet' },
    };
    const parsed = ProfileEvent.fromJSON(json);
    expect(parsed.eventId).toBe('evt-1');
    expect(parsed.accountId).toBe('42');
    expect(parsed.action).toBe(Action.UPDATE);
    expect(parsed.origin).toBe(Origin.REST);
    expect(parsed.occurredAt?.toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(parsed.fields).toEqual({ name: 'piet' });
  });

  it('marks an unknown enum name as UNRECOGNIZED, for validation to reject', () => {
    expect(ProfileEvent.fromJSON({ action: 'ACTION_EXPLODE' }).action).toBe(Action.UNRECOGNIZED);
  });
});

describe('descriptor set', () => {
  it('is present for server reflection', () => {
    const text = loadDescriptorSet().toString('latin1');
    expect(text).toContain('callbacks.v1');
    expect(text).toContain('CallbackService');
  });
});

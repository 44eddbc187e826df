import { describe, expect, it } from 'vitest';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { deliveryIdFor, validateProfileEvent } from './events';

const good: ProfileEvent = {
  eventId: 'evt-1',
  accountId: '42',
  databaseId: '7',
  collectionId: '',
  profileId: '1001',
  subprofileId: '',
  action: Action.UPDATE,
  origin: Origin.PUBLISHER,
  occurredAt: new Date('2026-11-29T10:00:00Z'),
  fields: { name: 'piet' },
  previousFields: { name: 'jan' },
  interests: [{ name: 'sport', group: '' }],
  previousInterests: [],
  createdAt: undefined,
  modifiedAt: undefined,
};
const subject = { accountId: '42', databaseId: '7', kind: 'profile' as const, action: 'update' };

const fieldsOf = (event: Partial<ProfileEvent>, s = subject) =>
  validateProfileEvent({ ...good, ...event }, s).map((v) => v.field);

describe('validateProfileEvent', () => {
  it('accepts a well-formed profile event and subprofile event', () => {
    expect(validateProfileEvent(good, subject)).toEqual([]);
    const sub = { ...good, collectionId: 'c1', subprofileId: 's1', interests: [] };
    expect(validateProfileEvent(sub, { ...subject, kind: 'subprofile' })).toEqual([]);
  });

  it.each([
    [{ eventId: '' }, 'event_id'],
    [{ accountId: 'a.b' }, 'account_id'],
    [{ databaseId: '' }, 'database_id'],
    [{ profileId: 'x'.repeat(65) }, 'profile_id'],
    [{ collectionId: 'c1' }, 'subprofile_id'],
    [{ action: Action.UNSPECIFIED }, 'action'],
    [{ action: Action.UNRECOGNIZED }, 'action'],
    [{ origin: Origin.UNSPECIFIED }, 'origin'],
    [{ occurredAt: undefined }, 'occurred_at'],
    [{ occurredAt: new Date(Number.NaN) }, 'occurred_at'],
    [{ createdAt: new Date(1e18) }, 'created_at'],
    [{ modifiedAt: new Date('0000-12-31T23:59:59Z') }, 'modified_at'],
    [{ fields: { '1abc': 'x' } }, 'fields.1abc'],
    [{ previousFields: { 'a-b': 'x' } }, 'previous_fields.a-b'],
    [{ fields: { big: 'x'.repeat(70_000) } }, 'fields.big'],
    [{ interests: [{ name: '', group: 'g' }] }, 'interests[0].name'],
  ] as [Partial<ProfileEvent>, string][])('rejects %j at %s', (event, field) => {
    expect(fieldsOf(event)).toContain(field);
  });

  it('rejects an event whose subject names another account, database, kind or action', () => {
    expect(fieldsOf({}, { ...subject, accountId: '43' })).toEqual(['subject']);
    expect(fieldsOf({}, { ...subject, databaseId: '8' })).toEqual(['subject']);
    expect(fieldsOf({}, { ...subject, kind: 'subprofile' as never })).toEqual(['subject']);
    expect(fieldsOf({}, { ...subject, action: 'delete' })).toEqual(['subject']);
  });
});

describe('deliveryIdFor', () => {
  it('is stable for the same event and callback and differs otherwise', () => {
    const id = deliveryIdFor('evt-1', 'cb_1');
    expect(id).toMatch(/^dl_[0-9a-f]{32}$/);
    expect(deliveryIdFor('evt-1', 'cb_1')).toBe(id);
    expect(deliveryIdFor('evt-1', 'cb_2')).not.toBe(id);
    expect(deliveryIdFor('evt-1c', 'b_1')).not.toBe(id);
  });
});

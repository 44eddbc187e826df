import { type ActionName, type EntityKind, SUBJECTS } from '@callbacks/messaging';
import { Action, ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  ACCOUNT,
  cat,
  entry,
  EVENTS_DB,
  INVALID_UTF8,
  ld,
  NESTED_GROUPS,
  OVERLONG_UTF8,
  sample,
  timestamp,
  varint,
} from './fixtures';

export interface EventCase {
  name: string;
  subject: string;
  /** The Content-Type header; none when undefined. */
  contentType: string | undefined;
  body: () => Uint8Array;
  /** The dead letter's reason. */
  reason: RegExp;
}

export const subject = (kind: EntityKind = 'profile', action: ActionName = 'update', accountId = ACCOUNT) =>
  SUBJECTS.event(accountId, EVENTS_DB, kind, action);
export const PROTOBUF = 'application/protobuf';
const JSON_TYPE = 'application/json';
export const protobuf = (overrides: Partial<ProfileEvent> = {}) => ProfileEvent.encode(sample(overrides)).finish();
/** A valid event's encoding with `raw` fields after it: a later field wins. */
const protobufWith = (...raw: Uint8Array[]) => cat(protobuf(), ...raw);
const json = (event: object) => Buffer.from(JSON.stringify(event));
const eventJson = (overrides: Partial<ProfileEvent> = {}) =>
  ProfileEvent.toJSON(sample(overrides)) as Record<string, unknown>;

/** Malformed profile events, each with the reason it must be dead-lettered with. */
export const eventCases: EventCase[] = [
  // Undecodable.
  {
    name: 'protobuf that is no message',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => new Uint8Array([0xff, 0xff, 0xff]),
    reason: /^decode_error: premature EOF$/,
  },
  {
    name: 'protobuf cut short',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf().subarray(0, 10),
    reason: /^decode_error: premature EOF$/,
  },
  {
    name: 'wire type 7',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => new Uint8Array([0x0f, 0x00]),
    reason: /^decode_error: cant skip wire type 7$/,
  },
  {
    name: 'groups nested 200 deep',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => NESTED_GROUPS,
    reason: /^decode_error: maximum recursion depth reached$/,
  },
  {
    name: 'bytes after the event',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobufWith(new Uint8Array([0x00, 0x2a])),
    reason: /^decode_error: not a valid callbacks\.events\.v1\.ProfileEvent: its encoding stops at byte \d+ of \d+$/,
  },
  {
    name: 'invalid JSON',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => Buffer.from('{"eventId": '),
    reason: /^decode_error: .*JSON/,
  },
  {
    name: 'a JSON array',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => json([eventJson()]),
    reason: /^decode_error: the JSON body is not an object$/,
  },
  {
    name: 'JSON null',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => Buffer.from('null'),
    reason: /^decode_error: the JSON body is not an object$/,
  },
  {
    name: 'JSON nested 100,000 deep',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => Buffer.from(`{"fields":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`),
    reason:
      /^decode_error: not a valid callbacks\.events\.v1\.ProfileEvent in JSON: cannot decode field callbacks\.events\.v1\.ProfileEvent\.fields from JSON: map entry "a": expected string, got Array/,
  },
  {
    name: 'protobuf sent as JSON',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => protobuf({ occurredAt: undefined, createdAt: undefined, modifiedAt: undefined }),
    reason: /^decode_error: Unexpected token .* is not valid JSON$/,
  },
  {
    name: 'JSON sent without a content type (read as protobuf)',
    subject: subject(),
    contentType: undefined,
    body: () => json(eventJson()),
    reason: /^decode_error: /,
  },
  {
    name: 'an unsupported content type',
    subject: subject(),
    contentType: 'text/csv',
    body: () => Buffer.from('event_id,account_id\ne1,bad-input'),
    reason: /^decode_error: unsupported Content-Type "text\/csv" \(use application\/protobuf or application\/json\)$/,
  },

  // Invalid UTF-8.
  {
    name: 'invalid UTF-8 in a protobuf field value',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobufWith(ld(10, entry('city', INVALID_UTF8))),
    reason: /^decode_error: fields\.city is not valid UTF-8$/,
  },
  {
    name: 'an overlong encoding in the protobuf event id',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobufWith(ld(1, OVERLONG_UTF8)),
    reason: /^decode_error: event_id is not valid UTF-8$/,
  },
  {
    name: 'invalid UTF-8 in JSON',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () =>
      cat(json(eventJson()).subarray(0, -1), Buffer.from(',"fields":{"city":"'), INVALID_UTF8, Buffer.from('"}}')),
    reason: /^decode_error: The encoded data was not valid for encoding utf-8$/,
  },

  // Wrong shape, missing ids, unknown enums, values out of range.
  {
    name: 'JSON of another shape',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => json({ user: { id: 7, name: 'piet' } }),
    reason:
      /^decode_error: not a valid callbacks\.events\.v1\.ProfileEvent in JSON: cannot decode message callbacks\.events\.v1\.ProfileEvent from JSON: key "user" is unknown$/,
  },
  {
    name: 'an object as the JSON event id',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => json({ ...eventJson(), eventId: { id: 'e1' } }),
    reason:
      /^decode_error: not a valid callbacks\.events\.v1\.ProfileEvent in JSON: cannot decode field callbacks\.events\.v1\.ProfileEvent\.event_id from JSON: expected string, got object$/,
  },
  {
    name: 'an empty body',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => new Uint8Array(),
    reason: /^invalid_event: event_id: is required; account_id: is required; /,
  },
  {
    name: 'no event id',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf({ eventId: '' }),
    reason: /^invalid_event: event_id: is required$/,
  },
  {
    name: 'no account',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf({ accountId: '' }),
    reason: /^invalid_event: account_id: is required; subject: the subject says accountId "bad-input", the event ""$/,
  },
  {
    name: 'no database',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => json({ ...eventJson(), databaseId: undefined }),
    reason: /^invalid_event: database_id: is required; subject: the subject says databaseId "events", the event ""$/,
  },
  {
    name: 'no profile id',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf({ profileId: '' }),
    reason: /^invalid_event: profile_id: is required$/,
  },
  {
    name: 'action 99',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobufWith(varint(7, 99)),
    reason:
      /^invalid_event: action: must be ACTION_CREATE, ACTION_UPDATE or ACTION_DELETE; subject: the subject says action "update", the event undefined$/,
  },
  {
    name: 'an unknown action name in JSON',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => json({ ...eventJson(), action: 'ACTION_EXPLODE' }),
    reason:
      /^decode_error: not a valid callbacks\.events\.v1\.ProfileEvent in JSON: cannot decode enum callbacks\.events\.v1\.Action from JSON: "ACTION_EXPLODE"$/,
  },
  {
    name: 'origin 99',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobufWith(varint(8, 99)),
    reason: /^invalid_event: origin: must be one of the ORIGIN_\* values$/,
  },
  {
    name: 'created after the year 9999',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobufWith(ld(14, timestamp(1e15))),
    reason: /^invalid_event: created_at: must be a time from 0001-01-01 to 9999-12-31 \(UTC\)$/,
  },
  {
    name: 'a JSON time that is no time',
    subject: subject(),
    contentType: JSON_TYPE,
    body: () => json({ ...eventJson(), modifiedAt: 'yesterday' }),
    reason:
      /^decode_error: not a valid callbacks\.events\.v1\.ProfileEvent in JSON: cannot decode message google\.protobuf\.Timestamp from JSON: invalid RFC 3339 string$/,
  },
  {
    name: 'a field value over 64 KiB',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf({ fields: { big: 'x'.repeat(70_000) } }),
    reason: /^invalid_event: fields\.big: field values must be at most 65536 bytes$/,
  },
  {
    name: 'a field name with a line break',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf({ fields: { 'city\r\nX-Injected: 1': 'Amsterdam' } }),
    reason: /^invalid_event: fields\.city X-Injected: 1: field names must match /,
  },
  {
    name: '1,001 fields',
    subject: subject(),
    contentType: PROTOBUF,
    body: () => protobuf({ fields: Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`f${i}`, 'v'])) }),
    reason: /^invalid_event: fields: at most 1000 fields$/,
  },

  // Subjects that disagree with the body.
  {
    name: 'another account in the subject',
    subject: subject('profile', 'update', 'someone-else'),
    contentType: PROTOBUF,
    body: () => protobuf(),
    reason: /^invalid_event: subject: the subject says accountId "someone-else", the event "bad-input"$/,
  },
  {
    name: 'another action in the subject',
    subject: subject('profile', 'delete'),
    contentType: PROTOBUF,
    body: () => protobuf({ action: Action.UPDATE }),
    reason: /^invalid_event: subject: the subject says action "delete", the event "update"$/,
  },
  {
    name: 'a profile event on a subprofile subject',
    subject: subject('subprofile'),
    contentType: PROTOBUF,
    body: () => protobuf(),
    reason: /^invalid_event: subject: the subject says kind "subprofile", the event "profile"$/,
  },
  {
    name: 'a subject that is no event subject',
    subject: `callbacks.events.v1.${ACCOUNT}.${EVENTS_DB}.widget.update`,
    contentType: PROTOBUF,
    body: () => protobuf(),
    reason: /^invalid_subject: callbacks\.events\.v1\.bad-input\.events\.widget\.update is not /,
  },
  {
    name: 'a subject one token short',
    subject: `callbacks.events.v1.${ACCOUNT}.${EVENTS_DB}.profile`,
    contentType: PROTOBUF,
    body: () => protobuf(),
    reason: /^invalid_subject: /,
  },
];

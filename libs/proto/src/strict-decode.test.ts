import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { ProfileEvent } from './gen/callbacks/events/v1/profile_event';
import { CreateCallbackRequest, TestCallbackRequest, UpdateCallbackRequest } from './gen/callbacks/v1/callback_service';
import { decodeStrict, fromJsonStrict, MalformedMessageError } from './strict-decode';

const INVALID_UTF8 = new Uint8Array([0x41, 0xc3, 0x28]); // "A", then a two-byte lead without its continuation
const field = (no: number, bytes: Uint8Array) =>
  new BinaryWriter().tag(no, WireType.LengthDelimited).bytes(bytes).finish();
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts);

function fails(run: () => unknown): MalformedMessageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessageError);
    return error as MalformedMessageError;
  }
  throw new Error('expected decoding to fail');
}

describe('decodeStrict', () => {
  const event = ProfileEvent.fromPartial({
    eventId: 'evt-1',
    fields: { city: 'Zürich' },
    interests: [{ name: 'sport', group: '' }],
  });
  const decodeEvent = (bytes: Uint8Array) =>
    decodeStrict((r) => ProfileEvent.decode(r), bytes, 'callbacks.events.v1.ProfileEvent');

  it('decodes valid messages exactly as ts-proto does', () => {
    const bytes = ProfileEvent.encode(event).finish();
    expect(decodeEvent(bytes)).toEqual(ProfileEvent.decode(bytes));
  });

  it('names the field of a string that is not valid UTF-8', () => {
    const entry = concat(field(1, Buffer.from('city')), field(2, INVALID_UTF8)); // map<string, string> entry
    expect(fails(() => decodeEvent(concat(ProfileEvent.encode(event).finish(), field(10, entry)))).field).toBe(
      'fields.city',
    );
    expect(fails(() => decodeEvent(field(1, INVALID_UTF8))).message).toBe('event_id is not valid UTF-8');
    expect(fails(() => decodeEvent(field(12, field(2, INVALID_UTF8)))).field).toBe('interests[0].group');
    expect(fails(() => decodeEvent(field(10, concat(field(1, INVALID_UTF8), field(2, Buffer.from('x')))))).field).toBe(
      'fields',
    );
  });

  it('names fields through nested messages, oneofs and field masks', () => {
    const callback = field(5, INVALID_UTF8); // Callback.url
    expect(
      fails(() =>
        decodeStrict((r) => CreateCallbackRequest.decode(r), field(1, callback), 'callbacks.v1.CreateCallbackRequest'),
      ).field,
    ).toBe('callback.url');
    expect(
      fails(() =>
        decodeStrict((r) => TestCallbackRequest.decode(r), field(1, INVALID_UTF8), 'callbacks.v1.TestCallbackRequest'),
      ).field,
    ).toBe('callback_id');
    expect(
      fails(() =>
        decodeStrict(
          (r) => UpdateCallbackRequest.decode(r),
          field(2, field(1, INVALID_UTF8)),
          'callbacks.v1.UpdateCallbackRequest',
        ),
      ).field,
    ).toBe('update_mask.paths[0]');
  });

  it('refuses bytes after the message ends, and a nested message cut short', () => {
    const bytes = ProfileEvent.encode(event).finish();
    expect(fails(() => decodeEvent(concat(bytes, new Uint8Array([0, 0xff])))).message).toMatch(
      /encoding stops at byte \d+ of \d+/,
    );
    const truncated = concat(
      new BinaryWriter().tag(12, WireType.LengthDelimited).uint32(40).finish(),
      field(1, Buffer.from('sport')),
    );
    expect(() => decodeEvent(truncated)).toThrow('premature EOF');
  });
});

describe('fromJsonStrict', () => {
  const read = (json: unknown) => fromJsonStrict(ProfileEvent.fromJSON, json, 'callbacks.events.v1.ProfileEvent');
  const valid = {
    eventId: 'evt-1',
    accountId: '42',
    action: 'ACTION_UPDATE',
    occurredAt: '2026-11-29T10:00:00Z',
    fields: { city: 'Zürich' },
  };

  it('reads valid proto3 JSON exactly as ts-proto does, enum names and numbers alike', () => {
    expect(read(valid)).toEqual(ProfileEvent.fromJSON(valid));
    expect(read({ ...valid, action: 2 })).toEqual(ProfileEvent.fromJSON({ ...valid, action: 2 }));
    const { eventId: _, ...rest } = valid;
    expect(read({ ...rest, event_id: 'evt-2' }).eventId).toBe('evt-2'); // the .proto name is accepted too
    expect(() => read({ ...valid, event_id: 'evt-2' })).toThrow(/event_id from JSON: set multiple times/);
  });

  it.each([
    ['a map that is a string', { ...valid, fields: 'x' }, /fields/],
    ['a number where a string belongs', { ...valid, accountId: 42 }, /account_id|accountId/],
    ['a map value that is an object', { ...valid, fields: { city: { nested: 'x' } } }, /fields/],
    ['an unknown field', { ...valid, colour: 'red' }, /colour/],
    [
      'an unknown enum name',
      { ...valid, action: 'ACTION_EXPLODE' },
      /enum callbacks\.events\.v1\.Action from JSON: "ACTION_EXPLODE"/,
    ],
    [
      'a timestamp that is not RFC 3339',
      { ...valid, occurredAt: 'yesterday' },
      /google\.protobuf\.Timestamp from JSON: invalid RFC 3339 string/,
    ],
    ['a list where a message belongs', { ...valid, interests: { name: 'sport' } }, /interests/],
  ])('refuses %s, saying what is wrong', (_, json, field) => {
    const error = fails(() => read(json));
    expect(error.message).toMatch(/^not a valid callbacks\.events\.v1\.ProfileEvent in JSON: /);
    expect(error.message).toMatch(field);
  });
});

import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { sampleEvent } from '@callbacks/testing';

/** The account and database the bad input is aimed at. */
export const ACCOUNT = 'bad-input';
export const EVENTS_DB = 'events';

/** A valid profile event of ACCOUNT/EVENTS_DB, to break. */
export const sample = (overrides: Partial<ProfileEvent> = {}) =>
  sampleEvent({ accountId: ACCOUNT, databaseId: EVENTS_DB, ...overrides });

// Raw protobuf: what a broken client can send that no generated encoder would.

/** "A", then a UTF-8 lead byte without its continuation byte. */
export const INVALID_UTF8 = new Uint8Array([0x41, 0xc3, 0x28]);
/** "/" encoded in two bytes: overlong, so not UTF-8. */
export const OVERLONG_UTF8 = new Uint8Array([0xc0, 0xaf]);
/** A UTF-16 surrogate encoded as if it were a code point: not UTF-8 either. */
export const SURROGATE_UTF8 = new Uint8Array([0xed, 0xa0, 0x80]);
/** Start-group tags of field 1, 200 deep, and their ends: nesting past any decoder's limit. */
export const NESTED_GROUPS = Buffer.concat([new Uint8Array(200).fill(0x0b), new Uint8Array(200).fill(0x0c)]);

export const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);
/** A length-delimited field (string, bytes, message, map entry). */
export const ld = (field: number, bytes: Uint8Array | string) =>
  new BinaryWriter()
    .tag(field, WireType.LengthDelimited)
    .bytes(typeof bytes === 'string' ? Buffer.from(bytes) : bytes)
    .finish();
export const varint = (field: number, value: number) =>
  new BinaryWriter().tag(field, WireType.Varint).int64(value).finish();
/** A google.protobuf.Timestamp with these seconds. */
export const timestamp = (seconds: number) => varint(1, seconds);
/** A map<string, string> entry. */
export const entry = (key: Uint8Array | string, value: Uint8Array | string) => cat(ld(1, key), ld(2, value));

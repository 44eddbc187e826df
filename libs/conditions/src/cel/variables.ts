import { type CelInput, celList, type CelMap, celMap } from '@bufbuild/cel';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { timestampFromMs, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { actionToJSON, type Interest, originToJSON } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { EvaluationInput } from '../evaluation-input';
import { type CheckedType, listOf, STRING, TIMESTAMP } from './types';

/**
 * The variables an expression sees (documented in the README), as types for the checker and as
 * values for the evaluator. Both are defined here so they cannot drift apart.
 */

const FIELDS: CheckedType = { kind: 'map', key: STRING, value: STRING, missingKeyIsEmpty: true };
const INTERESTS = listOf(STRING);

function record(name: string, fields: Record<string, CheckedType>): CheckedType {
  return { kind: 'record', name, fields: new Map(Object.entries(fields)) };
}

export const VARIABLE_TYPES: ReadonlyMap<string, CheckedType> = new Map([
  [
    'profile',
    record('profile', { id: STRING, fields: FIELDS, interests: INTERESTS, created: TIMESTAMP, modified: TIMESTAMP }),
  ],
  ['subprofile', record('subprofile', { id: STRING, collection: STRING, fields: FIELDS })],
  ['previous', record('previous', { fields: FIELDS, interests: INTERESTS })],
  [
    'event',
    record('event', {
      id: STRING,
      action: STRING,
      origin: STRING,
      time: TIMESTAMP,
      account: STRING,
      database: STRING,
      collection: STRING,
    }),
  ],
]);

const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/** Reads a member of a variable from the event. */
type Read<T> = (input: EvaluationInput) => T;

const profileId: Read<string> = (input) => input.event.profileId;
const subprofileId: Read<string> = (input) => input.event.subprofileId;
const collectionId: Read<string> = (input) => input.event.collectionId;
const eventId: Read<string> = (input) => input.event.eventId;
const actionName: Read<string> = (input) => enumName(actionToJSON(input.event.action), 'ACTION_').toLowerCase();
const originName: Read<string> = (input) => enumName(originToJSON(input.event.origin), 'ORIGIN_');
const accountId: Read<string> = (input) => input.event.accountId;
const databaseId: Read<string> = (input) => input.event.databaseId;
// A subprofile event carries the subprofile's fields only; the profile's are not known.
const profileFields: Read<Readonly<Record<string, string>>> = (input) =>
  input.isSubprofileEvent ? NO_FIELDS : (input.event.fields ?? NO_FIELDS);
const subprofileFields: Read<Readonly<Record<string, string>>> = (input) =>
  input.isSubprofileEvent ? (input.event.fields ?? NO_FIELDS) : NO_FIELDS;
const previousFields: Read<Readonly<Record<string, string>>> = (input) => input.event.previousFields ?? NO_FIELDS;

/** The members of the variables that are text, read as the variables' values read them: for direct evaluation. */
export const TEXT_MEMBERS: ReadonlyMap<string, ReadonlyMap<string, Read<string>>> = new Map([
  ['profile', new Map([['id', profileId]])],
  [
    'subprofile',
    new Map([
      ['id', subprofileId],
      ['collection', collectionId],
    ]),
  ],
  [
    'event',
    new Map([
      ['id', eventId],
      ['action', actionName],
      ['origin', originName],
      ['account', accountId],
      ['database', databaseId],
      ['collection', collectionId],
    ]),
  ],
]);

/** The field values that the variables' `fields` map, read as the variables' values read them: for direct evaluation. */
export const FIELD_MAPS: ReadonlyMap<string, Read<Readonly<Record<string, string>>>> = new Map([
  ['profile', profileFields],
  ['subprofile', subprofileFields],
  ['previous', previousFields],
]);

/** The variables' values for one event; built once per event and shared by every expression. */
export function celVariables(input: EvaluationInput): Record<string, CelInput> {
  const event = input.event;
  return {
    profile: celMap(
      new Map<string, CelInput>([
        ['id', profileId(input)],
        ['fields', fieldMap(profileFields(input))],
        ['interests', interestNames(event.interests ?? [])],
        ['created', timestamp(event.createdAt)],
        ['modified', timestamp(event.modifiedAt)],
      ]),
    ),
    subprofile: celMap(
      new Map<string, CelInput>([
        ['id', subprofileId(input)],
        ['collection', collectionId(input)],
        ['fields', fieldMap(subprofileFields(input))],
      ]),
    ),
    previous: celMap(
      new Map<string, CelInput>([
        ['fields', fieldMap(previousFields(input))],
        ['interests', interestNames(event.previousInterests ?? [])],
      ]),
    ),
    event: celMap(
      new Map<string, CelInput>([
        ['id', eventId(input)],
        ['action', actionName(input)],
        ['origin', originName(input)],
        ['time', timestamp(event.occurredAt)],
        ['account', accountId(input)],
        ['database', databaseId(input)],
        ['collection', collectionId(input)],
      ]),
    ),
  };
}

function fieldMap(fields: Readonly<Record<string, string>>): CelMap {
  return celMap(new Map(Object.entries(fields)));
}

function interestNames(interests: readonly Interest[]): CelInput {
  return celList(interests.map((interest) => interest.name));
}

/**
 * A missing (or invalid) time is the epoch: CEL has no null timestamp, and the epoch compares
 * before any real time.
 */
function timestamp(time: Date | undefined): ReflectMessage {
  const ms = time?.getTime() ?? 0;
  return reflect(TimestampSchema, timestampFromMs(Number.isFinite(ms) ? ms : 0));
}

/** `ORIGIN_REST` → `REST`; an unspecified or unknown value is the empty string. */
function enumName(json: string, prefix: string): string {
  return json.startsWith(prefix) && !json.endsWith('_UNSPECIFIED') ? json.slice(prefix.length) : '';
}

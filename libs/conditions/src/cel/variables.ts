import { celList, celMap, type CelInput, type CelMap } from '@bufbuild/cel';
import { timestampFromMs, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { actionToJSON, originToJSON, type Interest } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { EvaluationInput } from '../evaluation-input';
import { listOf, STRING, TIMESTAMP, type CheckedType } from './types';

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
  ['profile', record('profile', { id: STRING, fields: FIELDS, interests: INTERESTS, created: TIMESTAMP, modified: TIMESTAMP })],
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

/** The variables' values for one event; built once per event and shared by every expression. */
export function celVariables(input: EvaluationInput): Record<string, CelInput> {
  const event = input.event;
  const fields = fieldMap(event.fields);
  const subprofile = input.isSubprofileEvent;
  return {
    profile: celMap(
      new Map<string, CelInput>([
        ['id', event.profileId],
        // A subprofile event carries the subprofile's fields only; the profile's are not known.
        ['fields', subprofile ? fieldMap(NO_FIELDS) : fields],
        ['interests', interestNames(event.interests ?? [])],
        ['created', timestamp(event.createdAt)],
        ['modified', timestamp(event.modifiedAt)],
      ]),
    ),
    subprofile: celMap(
      new Map<string, CelInput>([
        ['id', event.subprofileId],
        ['collection', event.collectionId],
        ['fields', subprofile ? fields : fieldMap(NO_FIELDS)],
      ]),
    ),
    previous: celMap(
      new Map<string, CelInput>([
        ['fields', fieldMap(event.previousFields)],
        ['interests', interestNames(event.previousInterests ?? [])],
      ]),
    ),
    event: celMap(
      new Map<string, CelInput>([
        ['id', event.eventId],
        ['action', enumName(actionToJSON(event.action), 'ACTION_').toLowerCase()],
        ['origin', enumName(originToJSON(event.origin), 'ORIGIN_')],
        ['time', timestamp(event.occurredAt)],
        ['account', event.accountId],
        ['database', event.databaseId],
        ['collection', event.collectionId],
      ]),
    ),
  };
}

function fieldMap(fields: Readonly<Record<string, string>> | undefined): CelMap {
  return celMap(new Map(Object.entries(fields ?? NO_FIELDS)));
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

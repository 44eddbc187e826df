import { hash } from 'node:crypto';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { FIELD_NAME_PATTERN, ID_PATTERN, isFieldName, isId } from './ids';
import { isTimestamp, TIME_RANGE_DESCRIPTION } from './times';
import { type Violation, Violations } from './violations';

/** Largest field value accepted in an event (a profile field, not a document store). */
export const MAX_FIELD_VALUE_BYTES = 64 * 1024;
export const MAX_FIELDS = 1_000;
export const MAX_INTERESTS = 1_000;

const ACTION_NAMES: Partial<Record<Action, 'create' | 'update' | 'delete'>> = {
  [Action.CREATE]: 'create',
  [Action.UPDATE]: 'update',
  [Action.DELETE]: 'delete',
};

export function actionName(action: Action): 'create' | 'update' | 'delete' | undefined {
  return ACTION_NAMES[action];
}

export function isSubprofileEvent(event: ProfileEvent): boolean {
  return event.subprofileId !== '';
}

/**
 * Checks a profile event against SPEC §2 and §5. With `subject`, also that the subject's
 * tokens (account, database, profile|subprofile, action) agree with the body, so that nobody
 * can route an event of one account through another account's subject.
 */
export function validateProfileEvent(
  event: ProfileEvent,
  subject?: { accountId: string; databaseId: string; kind: 'profile' | 'subprofile'; action: string },
): Violation[] {
  const v = Violations.root();
  requireId(event.eventId, v, 'event_id');
  requireId(event.accountId, v, 'account_id');
  requireId(event.databaseId, v, 'database_id');
  requireId(event.profileId, v, 'profile_id');
  const subprofile = event.subprofileId !== '' || event.collectionId !== '';
  if (subprofile) {
    requireId(event.collectionId, v, 'collection_id');
    requireId(event.subprofileId, v, 'subprofile_id');
    if (event.interests.length > 0 || event.previousInterests.length > 0) {
      v.add('UNEXPECTED_FIELD', 'subprofiles have no interests', 'interests');
    }
  }
  if (actionName(event.action) === undefined)
    v.add('UNKNOWN_ENUM', 'must be ACTION_CREATE, ACTION_UPDATE or ACTION_DELETE', 'action');
  if (event.origin === Origin.UNSPECIFIED || event.origin === Origin.UNRECOGNIZED || !(event.origin in Origin)) {
    v.add('UNKNOWN_ENUM', 'must be one of the ORIGIN_* values', 'origin');
  }
  checkTime(event.occurredAt, v, 'occurred_at', true);
  checkTime(event.createdAt, v, 'created_at', false);
  checkTime(event.modifiedAt, v, 'modified_at', false);
  checkFields(event.fields, v.at('fields'));
  checkFields(event.previousFields, v.at('previous_fields'));
  checkInterests(event.interests, v.at('interests'));
  checkInterests(event.previousInterests, v.at('previous_interests'));

  if (subject) {
    const expected = {
      accountId: event.accountId,
      databaseId: event.databaseId,
      kind: subprofile ? 'subprofile' : 'profile',
      action: actionName(event.action),
    };
    for (const key of ['accountId', 'databaseId', 'kind', 'action'] as const) {
      if (subject[key] !== expected[key]) {
        v.add(
          'SUBJECT_MISMATCH',
          `the subject says ${key} ${JSON.stringify(subject[key])}, the event ${JSON.stringify(expected[key])}`,
          'subject',
        );
      }
    }
  }
  return [...v.all];
}

function requireId(value: string, v: Violations, field: string): void {
  if (value === '') v.add('REQUIRED', 'is required', field);
  else if (!isId(value)) v.add('INVALID_ID', `must match ${ID_PATTERN}`, field);
}

function checkTime(time: Date | undefined, v: Violations, field: string, required: boolean): void {
  if (time === undefined) {
    if (required) v.add('REQUIRED', 'is required', field);
  } else if (!isTimestamp(time)) {
    v.add('OUT_OF_RANGE', TIME_RANGE_DESCRIPTION, field);
  }
}

function checkFields(fields: Readonly<Record<string, string>>, v: Violations): void {
  const names = Object.keys(fields);
  if (names.length > MAX_FIELDS) v.add('TOO_MANY', `at most ${MAX_FIELDS} fields`);
  for (const name of names) {
    if (!isFieldName(name)) v.add('INVALID_FIELD_NAME', `field names must match ${FIELD_NAME_PATTERN}`, name);
    else if (Buffer.byteLength(fields[name] ?? '', 'utf8') > MAX_FIELD_VALUE_BYTES) {
      v.add('TOO_LONG', `field values must be at most ${MAX_FIELD_VALUE_BYTES} bytes`, name);
    }
  }
}

function checkInterests(interests: readonly { name: string; group: string }[], v: Violations): void {
  if (interests.length > MAX_INTERESTS) v.add('TOO_MANY', `at most ${MAX_INTERESTS} interests`);
  interests.forEach((interest, i) => {
    if (interest.name === '') v.add('REQUIRED', 'an interest needs a name', `[${i}].name`);
  });
}

/**
 * The delivery id of an event for a callback: a deterministic function of both ids, so a
 * matcher that handles an event again (after a crash or a redelivery) emits the same job id and
 * JetStream drops the duplicate. It is also the receiver's idempotency key.
 */
export function deliveryIdFor(eventId: string, callbackId: string): string {
  return `dl_${hash('sha256', `${eventId}\0${callbackId}`, 'hex').slice(0, 32)}`;
}

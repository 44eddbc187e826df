import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, validateProfileEvent, Violations } from '@callbacks/domain';
import { Action, type Interest, Origin, ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { enumFlag, keyValues, timeFlag } from './flag-values';
import { jsonObject, readJsonFile } from './json-files';

/** The flags that describe one profile event. */
export const EVENT_OPTIONS = {
  'event-id': { type: 'string' },
  account: { type: 'string' },
  database: { type: 'string' },
  collection: { type: 'string' },
  profile: { type: 'string' },
  subprofile: { type: 'string' },
  action: { type: 'string' },
  origin: { type: 'string' },
  'occurred-at': { type: 'string' },
  field: { type: 'string', multiple: true },
  previous: { type: 'string', multiple: true },
  interest: { type: 'string', multiple: true },
  'previous-interest': { type: 'string', multiple: true },
} as const;

export const EVENT_HELP = `  --event-id <id>             unique per event (default: generated); JetStream drops a repeat
  --account <id>              the event's account
  --database <id>             the event's database
  --collection <id>           with --subprofile: a subprofile event
  --profile <id>              the profile
  --subprofile <id>           the subprofile (with --collection)
  --action <a>                create, update or delete
  --origin <o>                publisher, rest, soap, webform, import, copy, open, click, bounce, failure
  --occurred-at <time>        ISO time, or how long ago (5m); default: now
  --field <name=value>        a field after the change; repeat for more
  --previous <name=value>     a field before the change (updates); repeat for more
  --interest <[group:]name>   an interest after the change; repeat for more
  --previous-interest <[group:]name>  an interest before the change`;

type EventValues = {
  [K in keyof typeof EVENT_OPTIONS]?: (typeof EVENT_OPTIONS)[K] extends { multiple: true } ? string[] : string;
};

/** True when any event flag is given (they cannot be combined with a file of events). */
export function hasEventFlags(values: EventValues): boolean {
  return Object.keys(EVENT_OPTIONS).some((flag) => values[flag as keyof EventValues] !== undefined);
}

/** One event from the flags; what is missing is left empty for validation to name. */
export function eventFromFlags(values: EventValues, now: number): ProfileEvent {
  return ProfileEvent.fromPartial({
    eventId: values['event-id'] ?? '',
    accountId: values.account ?? '',
    databaseId: values.database ?? '',
    collectionId: values.collection ?? '',
    profileId: values.profile ?? '',
    subprofileId: values.subprofile ?? '',
    action:
      values.action === undefined ? Action.UNSPECIFIED : enumFlag<Action>('action', values.action, Action, 'ACTION_'),
    origin:
      values.origin === undefined ? Origin.UNSPECIFIED : enumFlag<Origin>('origin', values.origin, Origin, 'ORIGIN_'),
    occurredAt: values['occurred-at'] === undefined ? undefined : timeFlag('occurred-at', values['occurred-at'], now),
    fields: keyValues('field', values.field ?? []),
    previousFields: keyValues('previous', values.previous ?? []),
    interests: (values.interest ?? []).map(interestOf),
    previousInterests: (values['previous-interest'] ?? []).map(interestOf),
  });
}

/** `sport` or `hobbies:sport`. */
function interestOf(raw: string): Interest {
  const at = raw.indexOf(':');
  return at < 0 ? { name: raw, group: '' } : { name: raw.slice(at + 1), group: raw.slice(0, at) };
}

/** A ProfileEvent in proto3 JSON, or a JSON array of them. */
export async function eventsFromFile(
  files: Parameters<typeof readJsonFile>[0],
  flag: string,
  path: string,
): Promise<ProfileEvent[]> {
  const json = await readJsonFile(files, flag, path);
  if (Array.isArray(json)) {
    if (json.length === 0) throw new CliError(EXIT.invalid, `--${flag} ${path}: the array holds no events`);
    return json.map((item, i) => ProfileEvent.fromJSON(jsonObject(item, flag, `${path}[${i}]`, 'a ProfileEvent')));
  }
  return [ProfileEvent.fromJSON(jsonObject(json, flag, path, 'a ProfileEvent or an array of them'))];
}

/** Fills in what a person would rather not type: a fresh event id and "now". */
export function completeEvent(event: ProfileEvent, now: number): ProfileEvent {
  return {
    ...event,
    eventId: event.eventId || `cli-${randomUUID()}`,
    occurredAt: event.occurredAt ?? new Date(now),
  };
}

/** Checks every event before any is published: a bad file publishes nothing. */
export function validateEvents(events: readonly ProfileEvent[]): void {
  const v = events.length === 1 ? Violations.root('event') : Violations.root('events');
  events.forEach((event, i) => (events.length === 1 ? v : v.at(i)).addAll(validateProfileEvent(event)));
  if (!v.empty) throw new InvalidArgumentError(v.all);
}

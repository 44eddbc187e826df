import { Action, type Interest, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';

/**
 * What every format carries (SPEC §7.1), in one shape. Ids stay strings: they are opaque.
 * Maps are plain objects with keys in the event's order.
 */
export interface Payload {
  id: string;
  /**
   * For a callback with per-profile ordering: the delivery's place in its profile's order,
   * increasing in publish order (not contiguous). Absent otherwise, so those payloads stay as
   * they were.
   */
  sequence?: number;
  type: 'create' | 'update' | 'delete';
  origin: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  timestamp: string;
  /** Unix seconds. */
  time: number;
  database: string;
  profile: string;
  collection?: string;
  subprofile?: string;
  created: string;
  modified: string;
  fields: Record<string, string>;
  interests?: string[];
  /** The changed fields' new values (for a create: every field). */
  parameters: Record<string, string>;
  /** The changed fields' old values (updates). */
  previous: Record<string, string>;
}

const TYPES: Partial<Record<Action, Payload['type']>> = {
  [Action.CREATE]: 'create',
  [Action.UPDATE]: 'update',
  [Action.DELETE]: 'delete',
};

/** `YYYY-MM-DD HH:MM:SS` in UTC, or empty for a missing time. */
export function formatTimestamp(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '';
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function interestName(interest: Interest): string {
  return interest.group ? `${interest.group}:${interest.name}` : interest.name;
}

/** `sequence`: the per-profile sequence of an ordered delivery, or 0 (left out) for an unordered one. */
export function buildPayload(deliveryId: string, event: ProfileEvent, sequence = 0): Payload {
  const type = TYPES[event.action] ?? 'update';
  const parameters: Record<string, string> = {};
  const previous: Record<string, string> = {};
  if (type === 'create') Object.assign(parameters, event.fields);
  if (type === 'update') {
    for (const [name, old] of Object.entries(event.previousFields)) {
      const now = event.fields[name] ?? '';
      if (now !== old) {
        parameters[name] = now;
        previous[name] = old;
      }
    }
  }
  const subprofile = event.subprofileId !== '';
  // Built in the order the formats list the items, optional ones only when present (spreading
  // optional parts into one literal cost more than the rest of the payload).
  const payload = { id: deliveryId } as Payload;
  if (sequence > 0) payload.sequence = sequence;
  payload.type = type;
  payload.origin = Origin[event.origin]?.toLowerCase() ?? 'unknown';
  payload.timestamp = formatTimestamp(event.occurredAt);
  payload.time = event.occurredAt ? Math.floor(event.occurredAt.getTime() / 1000) : 0;
  payload.database = event.databaseId;
  payload.profile = event.profileId;
  if (subprofile) {
    payload.collection = event.collectionId;
    payload.subprofile = event.subprofileId;
  }
  payload.created = formatTimestamp(event.createdAt);
  payload.modified = formatTimestamp(event.modifiedAt);
  payload.fields = { ...event.fields };
  if (!subprofile) payload.interests = event.interests.map(interestName);
  payload.parameters = parameters;
  payload.previous = previous;
  return payload;
}

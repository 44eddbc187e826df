import { validateProfileEvent } from '@callbacks/domain';
import { CONTENT_TYPES, parseEventSubject } from '@callbacks/messaging';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { decodeStrict, fromJsonStrict } from '@callbacks/proto/strict-decode';

/** Invalid UTF-8 is an error, not silently U+FFFD (decodeStrict does the same for protobuf). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `protobuf`: the event's protobuf encoding when it arrived in one (the message body itself), so
 * that the jobs can carry it without encoding it again.
 */
export type Decoded =
  { ok: true; event: ProfileEvent; protobuf: Uint8Array | undefined } | { ok: false; reason: string };

/**
 * Turns a message from the events stream into a valid ProfileEvent, or says why it cannot:
 * `decode_error: ...` for bytes that are not a ProfileEvent in the declared content type,
 * `invalid_event: ...` for one that breaks SPEC §2/§5 or disagrees with its subject.
 */
export function decodeEvent(subject: string, contentType: string | undefined, data: Uint8Array): Decoded {
  const route = parseEventSubject(subject);
  if (!route)
    return {
      ok: false,
      reason: `invalid_subject: ${subject} is not callbacks.events.v1.<account>.<database>.<profile|subprofile>.<create|update|delete>`,
    };

  const type = (contentType ?? CONTENT_TYPES.protobuf).split(';', 1)[0]?.trim().toLowerCase();
  let event: ProfileEvent;
  let protobuf: Uint8Array | undefined;
  try {
    if (type === CONTENT_TYPES.json) {
      const parsed: unknown = JSON.parse(utf8.decode(data));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { ok: false, reason: 'decode_error: the JSON body is not an object' };
      }
      event = fromJsonStrict(ProfileEvent.fromJSON, parsed, 'callbacks.events.v1.ProfileEvent');
    } else if (type === CONTENT_TYPES.protobuf || type === 'application/x-protobuf') {
      event = decodeStrict((reader) => ProfileEvent.decode(reader), data, 'callbacks.events.v1.ProfileEvent');
      protobuf = data;
    } else {
      return {
        ok: false,
        reason: `decode_error: unsupported Content-Type ${JSON.stringify(contentType)} (use ${CONTENT_TYPES.protobuf} or ${CONTENT_TYPES.json})`,
      };
    }
  } catch (error) {
    return { ok: false, reason: `decode_error: ${(error as Error).message}` };
  }

  const violations = validateProfileEvent(event, route);
  if (violations.length > 0) {
    return {
      ok: false,
      reason: `invalid_event: ${violations.map((v) => `${v.field || 'event'}: ${v.description}`).join('; ')}`,
    };
  }
  return { ok: true, event, protobuf };
}

import { describe, expect, it } from 'vitest';
import { encodeMessage } from './encode';
import { ProfileEvent } from './gen/callbacks/events/v1/profile_event';

const event = (fields: Record<string, string>) =>
  ProfileEvent.fromPartial({ eventId: 'evt-1', accountId: 'a', fields });

describe('encodeMessage', () => {
  it('gives the bytes a fresh writer gives, message after message', () => {
    const small = event({ name: 'piet' });
    const large = event({ notes: 'x'.repeat(100_000) });
    for (const message of [small, large, small, event({})]) {
      expect(encodeMessage(ProfileEvent, message)).toEqual(ProfileEvent.encode(message).finish());
    }
  });

  it('returns bytes of their own, untouched by later encodes', () => {
    const first = encodeMessage(ProfileEvent, event({ name: 'piet' }));
    const copy = Uint8Array.from(first);
    encodeMessage(ProfileEvent, event({ name: 'klaas', city: 'Utrecht' }));
    expect(first).toEqual(copy);
    expect(ProfileEvent.decode(first).fields).toEqual({ name: 'piet' });
  });

  it('starts afresh after an encode that throws', () => {
    const broken = { ...event({}), occurredAt: 'not a date' } as unknown as ProfileEvent;
    expect(() => encodeMessage(ProfileEvent, broken)).toThrow();
    const message = event({ name: 'piet' });
    expect(encodeMessage(ProfileEvent, message)).toEqual(ProfileEvent.encode(message).finish());
  });
});

import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { InvalidArgumentError, actionName, isSubprofileEvent, validateProfileEvent } from '@callbacks/domain';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CONTENT_TYPES, HEADERS, SUBJECTS } from './subjects';

/** Adds headers to every outgoing message (libs/telemetry uses it for W3C trace context). */
export type HeaderInjector = (headers: MsgHdrs) => void;

/**
 * The typed way to publish profile events (internal services, tools, tests): validates the
 * event, derives its subject, sets `Nats-Msg-Id` (JetStream drops a republished duplicate) and
 * the content type, and waits for the stream's acknowledgement.
 */
export class ProfileEventPublisher {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly options: { injectHeaders?: HeaderInjector; format?: 'protobuf' | 'json' } = {},
  ) {
    this.js = jetstream(nc);
  }

  async publish(event: ProfileEvent): Promise<PubAck> {
    const violations = validateProfileEvent(event);
    const action = actionName(event.action);
    if (violations.length > 0 || !action) throw new InvalidArgumentError(violations);
    const subject = SUBJECTS.event(event.accountId, event.databaseId, isSubprofileEvent(event) ? 'subprofile' : 'profile', action);
    const json = this.options.format === 'json';
    const h = natsHeaders();
    h.set(HEADERS.contentType, json ? CONTENT_TYPES.json : CONTENT_TYPES.protobuf);
    this.options.injectHeaders?.(h);
    const body = json ? JSON.stringify(ProfileEvent.toJSON(event)) : ProfileEvent.encode(event).finish();
    return this.js.publish(subject, body, { msgID: event.eventId, headers: h });
  }
}

import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { actionName, InvalidArgumentError, isSubprofileEvent, validateProfileEvent } from '@callbacks/domain';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { encodeMessage } from '@callbacks/proto/encode';
import { AckedPublisher, type StoredAck } from './acked-publisher';
import { CONTENT_TYPES, HEADERS, SUBJECT_TEMPLATES, SUBJECTS } from './subjects';

/**
 * Wraps every publish, e.g. in a span whose W3C trace context it writes into the headers
 * (libs/telemetry's `NatsTracing` is one).
 */
export interface PublishTracing {
  publish<T>(
    message: { subject: string; template: string; headers: MsgHdrs; msgId?: string },
    send: () => Promise<T>,
  ): Promise<T>;
}

/**
 * The typed way to publish profile events (internal services, tools, tests): validates the
 * event, derives its subject, sets `Nats-Msg-Id` (JetStream drops a republished duplicate) and
 * the content type, and waits for the stream's acknowledgement.
 */
export class ProfileEventPublisher {
  private readonly publisher: AckedPublisher;

  constructor(
    nc: NatsConnection,
    private readonly options: { tracing?: PublishTracing; format?: 'protobuf' | 'json' } = {},
  ) {
    this.publisher = ackedPublisherOf(nc);
  }

  async publish(event: ProfileEvent): Promise<StoredAck> {
    const violations = validateProfileEvent(event);
    const action = actionName(event.action);
    if (violations.length > 0 || !action) throw new InvalidArgumentError(violations);
    const subject = SUBJECTS.event(
      event.accountId,
      event.databaseId,
      isSubprofileEvent(event) ? 'subprofile' : 'profile',
      action,
    );
    const json = this.options.format === 'json';
    const h = natsHeaders();
    h.set(HEADERS.contentType, json ? CONTENT_TYPES.json : CONTENT_TYPES.protobuf);
    const body = json ? JSON.stringify(ProfileEvent.toJSON(event)) : encodeMessage(ProfileEvent, event);
    const send = () => this.publisher.publish(subject, body, { msgId: event.eventId, headers: h });
    const { tracing } = this.options;
    return tracing
      ? tracing.publish({ subject, template: SUBJECT_TEMPLATES.event, headers: h, msgId: event.eventId }, send)
      : send();
  }
}

/**
 * One acknowledged publisher per connection, shared by the event publishers made on it: one reply
 * subscription, living as long as the connection. (nats.js's own JetStream publish builds two
 * Error objects and a timer per event.) Waits as long as nats.js did for an acknowledgement.
 */
const PUBLISHERS = new WeakMap<NatsConnection, AckedPublisher>();

function ackedPublisherOf(nc: NatsConnection): AckedPublisher {
  let publisher = PUBLISHERS.get(nc);
  if (!publisher) {
    publisher = new AckedPublisher(nc, { timeoutMs: 5_000 });
    PUBLISHERS.set(nc, publisher);
  }
  return publisher;
}

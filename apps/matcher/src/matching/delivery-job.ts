import { deliveryIdFor } from '@callbacks/domain';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';

/** The first-attempt job for an event and a matched callback, without the event itself. */
export function deliveryJobFor(event: ProfileEvent, callback: Callback, matchedAt: Date, skipped = false): DeliveryJob {
  return {
    deliveryId: deliveryIdFor(event.eventId, callback.id),
    callback: {
      id: callback.id,
      accountId: callback.accountId,
      databaseId: callback.databaseId,
      collectionId: callback.collectionId,
      url: callback.url,
      format: callback.format,
      deliveryPolicy: callback.deliveryPolicy,
      revision: callback.revision,
    },
    event: undefined,
    attempt: 1,
    matchedAt,
    replayOf: '',
    skipped,
  };
}

const EVENT_FIELD_TAG = (3 << 3) | 2; // DeliveryJob.event: field 3, length-delimited

/**
 * Encodes a job with an event already encoded once for all the callbacks it matched: a
 * protobuf message is the concatenation of its fields, so the event's bytes are appended as
 * field 3 instead of being encoded again for every job.
 */
export function encodeDeliveryJob(job: DeliveryJob, eventBytes: Uint8Array): Uint8Array {
  return DeliveryJob.encode({ ...job, event: undefined }).uint32(EVENT_FIELD_TAG).bytes(eventBytes).finish();
}

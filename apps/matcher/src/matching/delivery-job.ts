import { callbackTarget, deliveryIdFor } from '@callbacks/domain';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { encodeMessage } from '@callbacks/proto/encode';

/** One first-attempt job, encoded. */
export interface EncodedJob {
  deliveryId: string;
  data: Uint8Array;
}

const NO_FIELDS: DeliveryJob = {
  deliveryId: '',
  callback: undefined,
  event: undefined,
  attempt: 0,
  matchedAt: undefined,
  replayOf: '',
  skipped: false,
  sequence: 0,
};
const DELIVERY_ID_TAG = (1 << 3) | 2; // DeliveryJob.delivery_id: field 1, length-delimited
const EVENT_FIELD_TAG = (3 << 3) | 2; // DeliveryJob.event: field 3, length-delimited
const SKIPPED = fields({ skipped: true });

/** Just these fields of a DeliveryJob, encoded; a message is the concatenation of its fields. */
function fields(job: Partial<DeliveryJob>): Uint8Array {
  return encodeMessage(DeliveryJob, { ...NO_FIELDS, ...job });
}

/**
 * A callback's `callback` field of a DeliveryJob (its CallbackTarget), encoded once per revision
 * by its holder, as a Latin-1 string (a character a byte): the matcher holds one per callback, and
 * a small Buffer costs twice its bytes again in objects and pool slabs.
 */
export function encodeTargetField(callback: Callback): string {
  const bytes = fields({ callback: callbackTarget(callback) });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** What a job needs of its callback. */
export interface JobCallback {
  readonly id: string;
  readonly ordering: Ordering;
  /** encodeTargetField(callback) */
  readonly targetField: string;
}

/**
 * The first-attempt jobs of one event. They differ only in the delivery id, the callback and
 * `skipped`, so each is assembled from fields encoded once — the event with the attempt and the
 * match time once per event, a callback's target once per revision (JobCallback) — in the order
 * and with the bytes DeliveryJob.encode gives the whole job. Encoding every job whole, the event
 * again each time, took about four times as long.
 */
export class EventJobs {
  private readonly eventFields: Buffer;
  /** `sequence`, encoded when an ordered callback's job needs it: unordered jobs keep their bytes. */
  private sequenceField: Uint8Array | undefined;

  /**
   * `eventBytes`: the event, protobuf-encoded (the bytes it arrived in, when it came so).
   * `sequence`: the event's place in the events stream, which orders an ordered callback's
   * deliveries (the same after a redelivery; increasing in publish order, whichever matcher
   * handles it).
   */
  constructor(
    private readonly event: ProfileEvent,
    eventBytes: Uint8Array,
    matchedAt: Date,
    private readonly sequence = 0,
  ) {
    const attemptAndTime = attemptAndTimeFields(matchedAt);
    const eventField = 1 + varintLength(eventBytes.length) + eventBytes.length;
    this.eventFields = Buffer.allocUnsafe(eventField + attemptAndTime.length);
    this.eventFields[0] = EVENT_FIELD_TAG;
    this.eventFields.set(eventBytes, writeVarint(this.eventFields, 1, eventBytes.length));
    this.eventFields.set(attemptAndTime, eventField);
  }

  private sequenceFieldOnce(): Uint8Array {
    this.sequenceField ??= this.sequence > 0 ? fields({ sequence: this.sequence }) : new Uint8Array(0);
    return this.sequenceField;
  }

  /** The job for a matched callback; `skipped` when the callback is disabled (SPEC §7.5). */
  job(callback: JobCallback, skipped: boolean): EncodedJob {
    const deliveryId = deliveryIdFor(this.event.eventId, callback.id);
    const idLength = Buffer.byteLength(deliveryId);
    const target = callback.targetField;
    const sequence = callback.ordering === Ordering.PER_PROFILE ? this.sequenceFieldOnce() : undefined;
    const size =
      1 +
      varintLength(idLength) +
      idLength +
      target.length +
      this.eventFields.length +
      (skipped ? SKIPPED.length : 0) +
      (sequence?.length ?? 0);
    // Written by hand rather than with a BinaryWriter, whose buffers per job were most of the garbage.
    const data = Buffer.allocUnsafe(size);
    data[0] = DELIVERY_ID_TAG;
    let at = writeVarint(data, 1, idLength);
    at += data.write(deliveryId, at, 'utf8');
    at += data.write(target, at, 'latin1');
    data.set(this.eventFields, at);
    at += this.eventFields.length;
    if (skipped) {
      data.set(SKIPPED, at);
      at += SKIPPED.length;
    }
    if (sequence) data.set(sequence, at);
    return { deliveryId, data };
  }
}

/** The attempt and the match time, encoded; the events of one millisecond (often a batch) share them. */
let lastMatchedAt: { time: number; fields: Uint8Array } | undefined;

function attemptAndTimeFields(matchedAt: Date): Uint8Array {
  const time = matchedAt.getTime();
  if (lastMatchedAt?.time !== time) lastMatchedAt = { time, fields: fields({ attempt: 1, matchedAt }) };
  return lastMatchedAt.fields;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value >>>= 7;
    length++;
  }
  return length;
}

function writeVarint(data: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    data[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  data[at++] = value;
  return at;
}

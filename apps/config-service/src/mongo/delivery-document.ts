// The driver's own Binary: stored bytes come back as instances of it (bson's ESM build has another class).
import { Binary } from 'mongodb';
import { durationFromMs, msFromDuration } from '@callbacks/domain';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Attempt, type Delivery, deliveryStateFromJSON } from '@callbacks/proto/callbacks/v1/delivery';
import { encodeMessage } from '@callbacks/proto/encode';
import type { StoredDelivery } from '../deliveries/ports';

/** One attempt as stored, in a delivery (`lastAttempt`) and in the attempts collection. */
export interface AttemptFields {
  number: number;
  startTime: Date | null;
  durationMs: number;
  statusCode: number;
  errorClass: string;
  errorMessage: string;
  responseExcerpt: string;
}

/**
 * How a delivery is stored. The state is stored by name, as callback states are; `progress`
 * orders results (see progressOf); the event, for replays, as its protobuf bytes (a nested
 * document cost FerretDB a third more per delivery; deliveries stored earlier hold it in the
 * proto3 JSON mapping and still read); `expireAt` is when the delivery leaves the log (TTL
 * index, or the periodic clean-up).
 */
export interface DeliveryDocument {
  _id: string;
  accountId: string;
  callbackId: string;
  eventId: string;
  state: string;
  progress: number;
  attemptCount: number;
  createTime: Date;
  updateTime: Date;
  nextAttemptTime: Date | null;
  replayOf: string;
  callbackRevision: number;
  event: Binary | Record<string, unknown> | null;
  lastAttempt: AttemptFields | null;
  expireAt: Date;
}

/** An attempt; the id is `<delivery>.<attempt>.<outcome>`, so a redelivered result finds it recorded. */
export interface AttemptDocument extends AttemptFields {
  _id: string;
  deliveryId: string;
  accountId: string;
  callbackId: string;
  outcome: string;
  expireAt: Date;
}

export function toAttemptFields(a: Attempt): AttemptFields {
  return {
    number: a.number,
    startTime: a.startTime ?? null,
    durationMs: msFromDuration(a.duration),
    statusCode: a.statusCode,
    errorClass: a.errorClass,
    errorMessage: a.errorMessage,
    responseExcerpt: a.responseExcerpt,
  };
}

export function fromAttemptFields(f: AttemptFields): Attempt {
  return {
    number: f.number,
    startTime: f.startTime ?? undefined,
    duration: durationFromMs(f.durationMs),
    statusCode: f.statusCode,
    errorClass: f.errorClass,
    errorMessage: f.errorMessage,
    responseExcerpt: f.responseExcerpt,
  };
}

export function fromDeliveryDocument(d: DeliveryDocument): StoredDelivery {
  return {
    delivery: {
      id: d._id,
      accountId: d.accountId,
      callbackId: d.callbackId,
      eventId: d.eventId,
      state: deliveryStateFromJSON(d.state),
      attemptCount: d.attemptCount,
      createTime: d.createTime,
      updateTime: d.updateTime,
      nextAttemptTime: d.nextAttemptTime ?? undefined,
      replayOf: d.replayOf,
      attempts: [],
      lastAttempt: d.lastAttempt ? fromAttemptFields(d.lastAttempt) : undefined,
    },
    event: d.event ? eventOf(d.event) : undefined,
  };
}

/** A delivery for lists: without the event, which only replays need. */
export function deliveryOf(d: Omit<DeliveryDocument, 'event'>): Delivery {
  return fromDeliveryDocument({ ...d, event: null }).delivery;
}

/** The event as a delivery stores it. */
export function storedEvent(event: ProfileEvent | undefined): Binary | null {
  return event ? new Binary(encodeMessage(ProfileEvent, event)) : null;
}

function eventOf(stored: Binary | Record<string, unknown>): ProfileEvent {
  return stored instanceof Binary ? ProfileEvent.decode(stored.buffer) : ProfileEvent.fromJSON(stored);
}

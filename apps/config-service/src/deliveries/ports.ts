import type { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Attempt, Delivery, DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import type { AccountScope } from '../callbacks/ports';
import type { MinuteTally } from './delivery-stats';

/** What a delivery is, fixed when it is first recorded. */
export interface DeliveryOrigin {
  id: string;
  accountId: string;
  callbackId: string;
  eventId: string;
  createTime: Date;
  replayOf: string;
  callbackRevision: number;
  /** Kept so the delivery can be replayed; undefined when the result did not carry it. */
  event: ProfileEvent | undefined;
}

/** Where a delivery stands after one attempt result. */
export interface DeliveryProgress {
  /** From `progressOf`: a result that stands earlier never overwrites a later one. */
  progress: number;
  state: DeliveryState;
  attemptCount: number;
  nextAttemptTime: Date | undefined;
  lastAttempt: Attempt | undefined;
  updateTime: Date;
}

/** A delivery and where one result puts it. */
export interface DeliveryRecord {
  origin: DeliveryOrigin;
  progress: DeliveryProgress;
}

export interface RecordedAttempt {
  deliveryId: string;
  accountId: string;
  callbackId: string;
  outcome: Outcome;
  attempt: Attempt;
  /** The delivery's creation time: an attempt is kept as long as its delivery. */
  deliveryCreateTime: Date;
}

/** A delivery as stored, with the event a replay sends again. */
export interface StoredDelivery {
  delivery: Delivery;
  event: ProfileEvent | undefined;
}

/** A delivery named, before its event is loaded. */
export interface DeliveryRef {
  id: string;
  callbackId: string;
}

export interface DeliveryFilter {
  scope: AccountScope;
  callbackId?: string;
  states?: readonly DeliveryState[];
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  until?: Date;
}

/** A position in a list ordered by creation time, newest first. */
export interface DeliveryCursor {
  createTime: Date;
  id: string;
}

/** Where deliveries and their attempts are kept. Storage failures become UnavailableError. */
export interface DeliveryLog {
  /** Records the deliveries as PENDING, those not recorded already (the others stay as they are). */
  open(origins: readonly DeliveryOrigin[]): Promise<void>;
  /**
   * Records each delivery (at most once in the list) where its progress puts it: created so if it
   * is new, otherwise advanced unless a result that stands later is recorded already. Records
   * the attempts too, each once however often its result arrives; returns those recorded now
   * (not before).
   */
  record(deliveries: readonly DeliveryRecord[], attempts: readonly RecordedAttempt[]): Promise<RecordedAttempt[]>;
  get(id: string, scope: AccountScope): Promise<StoredDelivery | undefined>;
  /** The deliveries found, in the order of `ids`. */
  getMany(ids: readonly string[], scope: AccountScope): Promise<StoredDelivery[]>;
  /** Every attempt of a delivery (as `get` returned it), oldest first. */
  attempts(delivery: Delivery): Promise<Attempt[]>;
  /** Newest first, starting after `after`. */
  list(filter: DeliveryFilter, after: DeliveryCursor | undefined, limit: number): Promise<Delivery[]>;
  /** The deliveries found of `ids` (in any order), without their events. */
  refs(ids: readonly string[], scope: AccountScope): Promise<DeliveryRef[]>;
  /** The deliveries matching, oldest first, without their events. */
  matching(filter: DeliveryFilter, limit: number): Promise<DeliveryRef[]>;
}

/** Per callback: since when its attempts have only failed. */
export interface EndpointHealthStore {
  /** A success at `at`: the callback is not failing since then. */
  succeeded(callbackId: string, at: Date): Promise<void>;
  /** A failure at `at`: since when the callback has only failed, or undefined when it succeeded later than `at`. */
  failed(callbackId: string, at: Date): Promise<Date | undefined>;
  /** Forgets the failing period (the callback was disabled for it): the next failure starts a new one. */
  restart(callbackId: string): Promise<void>;
  /** Since when each of these callbacks has only failed, for those that are failing now. */
  failingSinceOf(callbackIds: readonly string[]): Promise<Map<string, Date>>;
}

/** Queues delivery jobs for the dispatchers. Failures become UnavailableError. */
export interface DeliveryJobPublisher {
  publish(job: DeliveryJob): Promise<void>;
}

/** Per-minute tallies of attempts (delivery-stats.ts), kept as long as the delivery log. */
export interface DeliveryStatsStore {
  /** Adds the tallies to what is counted already. */
  add(tallies: readonly MinuteTally[]): Promise<void>;
  /** The tallies of one callback or one account with minutes in [from, until), in any order. */
  read(filter: ({ callbackId: string } | { accountId: string }) & { from: Date; until: Date }): Promise<MinuteTally[]>;
}

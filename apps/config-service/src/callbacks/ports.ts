import type { DeliveryRequest } from '@callbacks/delivery';
import type { Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import type { Attempt } from '@callbacks/proto/callbacks/v1/delivery';

/** The accounts a query may see: every account, or these. */
export type AccountScope = '*' | readonly string[];

export interface CallbackFilter {
  scope: AccountScope;
  databaseId?: string;
  collectionId?: string;
  state?: CallbackState;
  /** Every pair must match. */
  labels?: Readonly<Record<string, string>>;
}

/** Where callbacks are stored. Implementations translate storage failures into UnavailableError. */
export interface CallbackRepository {
  insert(callback: Callback): Promise<void>;
  findById(id: string, scope: AccountScope): Promise<Callback | undefined>;
  /** Ordered by id; the page starts after `afterId`. */
  list(filter: CallbackFilter, afterId: string | undefined, limit: number): Promise<Callback[]>;
  /** Replaces the stored callback if it is still at `expectedRevision`; false otherwise. */
  replace(callback: Callback, expectedRevision: number): Promise<boolean>;
  /** Deletes the callback if it is still at `expectedRevision`; false otherwise. */
  delete(id: string, expectedRevision: number): Promise<boolean>;
  /** Every callback of every account, what a reconciler compares: id, key fields and revision. */
  revisions(): AsyncIterable<CallbackRevision>;
}

export type CallbackRevision = Pick<Callback, 'id' | 'accountId' | 'databaseId' | 'revision'>;

/**
 * Tells the matchers about committed changes, through the CALLBACKS bucket they watch. Resolves
 * once the bucket has the change (or after a bounded wait), so that an event published after the
 * call returns finds it; never rejects: a write that fails is left to the reconciler.
 */
export interface CallbackPublisher {
  upserted(callback: Callback): Promise<void>;
  deleted(callback: Callback): Promise<void>;
}

/** What the bucket holds for a callback: a revision, or its deletion (ids are never reused). */
export interface BucketState extends CallbackRevision {
  deleted: boolean;
}

/** The CALLBACKS bucket, as its one writer sees it. Failures reject. */
export interface CallbackBucket {
  /**
   * Writes the callback unless the bucket holds this revision or a newer one, or holds its
   * deletion: an older version never replaces a newer one, and a deleted callback stays deleted.
   */
  put(callback: Callback): Promise<'written' | 'current' | 'deleted'>;
  /** Marks the callback deleted (watchers see the marker); idempotent. */
  delete(callback: CallbackRevision): Promise<void>;
  /** What the bucket holds, by callback id. */
  states(): Promise<Map<string, BucketState>>;
}

/**
 * Who reconciles this interval: every instance ticks, the first to take the round does the scan,
 * so that N instances cost one scan per interval, not N. Failures reject.
 */
export interface RoundLease {
  /** True if this instance took the round; false if another one took it within the interval. */
  take(): Promise<boolean>;
}

/** Sends a prepared delivery request once, as TestCallback's `send` asks; never throws for the receiver's failures. */
export interface TestSender {
  send(request: DeliveryRequest, timeoutMs: number): Promise<Attempt>;
}

export type Clock = () => Date;

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
}

/**
 * Tells the rest of the system (matchers) about committed changes. Resolves once the notice is
 * with the message broker (or after a bounded wait), so that an event published after the call
 * returns finds the change applied; never rejects.
 */
export interface CallbackChangeNotifier {
  upserted(callback: Callback): Promise<void>;
  deleted(callback: Callback): Promise<void>;
}

/** Sends a prepared delivery request once, as TestCallback's `send` asks; never throws for the receiver's failures. */
export interface TestSender {
  send(request: DeliveryRequest, timeoutMs: number): Promise<Attempt>;
}

export type Clock = () => Date;

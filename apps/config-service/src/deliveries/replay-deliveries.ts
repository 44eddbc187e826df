import { callbackTarget, InvalidArgumentError, isId, Violations } from '@callbacks/domain';
import type { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { type Callback, CallbackState, callbackStateToJSON } from '@callbacks/proto/callbacks/v1/callback';
import type { ReplayDeliveriesRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import type { Principal } from '../auth/tokens';
import type { AccountScope, CallbackRepository, Clock } from '../callbacks/ports';
import { callbackNotFound, requireCallbackId, scopeOf } from '../callbacks/scope';
import { FailedPreconditionError } from '../errors';
import { newReplayId, replayIdFor } from './delivery-ids';
import { checkState, deliveryNotFound, timeRange } from './delivery-request';
import type {
  DeliveryFilter,
  DeliveryJobPublisher,
  DeliveryLog,
  DeliveryOrigin,
  DeliveryRef,
  StoredDelivery,
} from './ports';

/** Deliveries one call may replay: a bulk replay larger than this is refused, not cut short. */
export const MAX_REPLAY = 10_000;
/** Originals loaded (with their events) and published at a time. */
const BATCH = 500;
const DEFAULT_STATES = [DeliveryState.DEAD, DeliveryState.SKIPPED];

export interface ReplayDeps {
  log: DeliveryLog;
  callbacks: CallbackRepository;
  publisher: DeliveryJobPublisher;
  clock: Clock;
}

/**
 * Replays (SPEC §7.4, §7.7): each original becomes a new delivery, linked by `replay_of`, with
 * the same event and the callback's settings as they are now (URL, format, limits, revision),
 * queued as an ordinary delivery job, so the dispatcher's per-endpoint limits apply to replays
 * exactly as to any delivery. Nothing is replayed unless every callback concerned is ACTIVE.
 */
export class ReplayDeliveries {
  constructor(private readonly deps: ReplayDeps) {}

  /** The new delivery ids, in the order of the originals. */
  async execute(principal: Principal, request: ReplayDeliveriesRequest): Promise<string[]> {
    const scope = scopeOf(principal);
    if (request.requestId !== '' && !isId(request.requestId)) {
      throw new InvalidArgumentError([
        { field: 'request_id', reason: 'INVALID_ID', description: 'must be up to 64 characters from [A-Za-z0-9_-]' },
      ]);
    }
    const originals =
      request.deliveryIds.length > 0 ? await this.named(request, scope) : await this.selected(request, scope);
    const callbacks = await this.activeCallbacks(originals, scope);
    const idOf =
      request.requestId === '' ? newReplayId : (originalId: string) => replayIdFor(request.requestId, originalId);
    const replayed: string[] = [];
    for (let i = 0; i < originals.length; i += BATCH) {
      const batch = originals.slice(i, i + BATCH).map((ref) => ref.id);
      const stored = await this.deps.log.getMany(batch, scope);
      replayed.push(...(await this.replay(stored, callbacks, idOf)));
    }
    return replayed;
  }

  /** `delivery_ids`, each in the caller's accounts. */
  private async named(request: ReplayDeliveriesRequest, scope: AccountScope): Promise<DeliveryRef[]> {
    const v = Violations.root();
    if (request.callbackId !== '' || request.states.length > 0 || request.startTime || request.endTime) {
      v.add('CONFLICTING_FIELDS', 'give delivery_ids, or callback_id with states and times, not both', 'delivery_ids');
    }
    if (request.deliveryIds.length > MAX_REPLAY)
      v.add('TOO_MANY', `at most ${MAX_REPLAY} deliveries per call`, 'delivery_ids');
    const seen = new Set<string>();
    request.deliveryIds.forEach((id, i) => {
      if (!isId(id)) v.at('delivery_ids').add('INVALID_ID', 'is not a delivery id', i);
      else if (seen.has(id)) v.at('delivery_ids').add('DUPLICATE', 'is named twice', i);
      seen.add(id);
    });
    if (!v.empty) throw new InvalidArgumentError(v.all);

    const found = new Map<string, DeliveryRef>();
    for (let i = 0; i < request.deliveryIds.length; i += BATCH) {
      for (const ref of await this.deps.log.refs(request.deliveryIds.slice(i, i + BATCH), scope))
        found.set(ref.id, ref);
    }
    return request.deliveryIds.map((id) => {
      const ref = found.get(id);
      if (!ref) throw deliveryNotFound(id);
      return ref;
    });
  }

  /** Every delivery of `callback_id` in `states` created in `[start_time, end_time)`, oldest first. */
  private async selected(request: ReplayDeliveriesRequest, scope: AccountScope): Promise<DeliveryRef[]> {
    const v = Violations.root();
    if (request.callbackId === '')
      v.add('REQUIRED', 'give delivery_ids, or callback_id (with states and times)', 'delivery_ids');
    else if (!isId(request.callbackId)) v.add('INVALID_ID', 'is not a callback id', 'callback_id');
    request.states.forEach((state, i) => checkState(state, v, `states[${i}]`, false));
    const range = timeRange(request.startTime, request.endTime, v);
    if (!v.empty) throw new InvalidArgumentError(v.all);

    const callbackId = requireCallbackId(request.callbackId, 'callback_id');
    const callback = await this.deps.callbacks.findById(callbackId, scope);
    if (!callback) throw callbackNotFound(callbackId);
    assertActive(callback);
    const filter: DeliveryFilter = {
      scope,
      callbackId,
      states: request.states.length > 0 ? request.states : DEFAULT_STATES,
      ...range,
    };
    const refs = await this.deps.log.matching(filter, MAX_REPLAY + 1);
    if (refs.length > MAX_REPLAY) {
      throw new FailedPreconditionError(
        `more than ${MAX_REPLAY} deliveries match, and one call replays at most ${MAX_REPLAY}: narrow start_time and end_time and replay in parts`,
      );
    }
    return refs;
  }

  /** The callbacks of the originals, each ACTIVE; refused as a whole otherwise. */
  private async activeCallbacks(
    originals: readonly DeliveryRef[],
    scope: AccountScope,
  ): Promise<Map<string, Callback>> {
    const callbacks = new Map<string, Callback>();
    for (const { id, callbackId } of originals) {
      if (callbacks.has(callbackId)) continue;
      const callback = await this.deps.callbacks.findById(callbackId, scope);
      if (!callback)
        throw new FailedPreconditionError(
          `callback ${callbackId} of delivery ${id} no longer exists; its deliveries cannot be replayed`,
        );
      assertActive(callback);
      callbacks.set(callbackId, callback);
    }
    return callbacks;
  }

  /**
   * Publishes one batch, then records it. Publishing first means a failure never leaves a
   * PENDING replay that nobody will deliver; a replay whose record is lost is recorded from its
   * first attempt result instead (results carry `replay_of` and the event).
   */
  private async replay(
    originals: readonly StoredDelivery[],
    callbacks: ReadonlyMap<string, Callback>,
    idOf: (originalId: string) => string,
  ): Promise<string[]> {
    const now = this.deps.clock();
    const replays = originals.map(({ delivery, event }): { job: DeliveryJob; origin: DeliveryOrigin } => {
      const callback = callbacks.get(delivery.callbackId);
      if (!callback) throw new Error(`callback ${delivery.callbackId} was not checked before replaying`);
      if (!event)
        throw new FailedPreconditionError(`delivery ${delivery.id} has no stored event, so it cannot be replayed`);
      const id = idOf(delivery.id);
      return {
        job: {
          deliveryId: id,
          callback: callbackTarget(callback),
          event,
          attempt: 1,
          matchedAt: now,
          replayOf: delivery.id,
          // A replay is an operator's explicit resend: it goes outside its profile's order.
          sequence: 0,
          skipped: false,
        },
        origin: {
          id,
          accountId: callback.accountId,
          callbackId: callback.id,
          eventId: event.eventId,
          createTime: now,
          replayOf: delivery.id,
          callbackRevision: callback.revision,
          event,
        },
      };
    });
    // Issued in order on one connection: the stream holds the jobs in the order of the originals.
    await Promise.all(replays.map(({ job }) => this.deps.publisher.publish(job)));
    await this.deps.log.open(replays.map(({ origin }) => origin));
    return replays.map(({ origin }) => origin.id);
  }
}

function assertActive(callback: Callback): void {
  if (callback.state === CallbackState.ACTIVE) return;
  const because = callback.stateReason === '' ? '' : ` (${callback.stateReason})`;
  throw new FailedPreconditionError(
    `callback ${callback.id} is ${callbackStateToJSON(callback.state)}${because}: enable it (UpdateCallback with state CALLBACK_STATE_ACTIVE) before replaying its deliveries`,
  );
}

import type { Collection, Db, Filter } from 'mongodb';
import { outcomeToJSON } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import {
  type Attempt,
  type Delivery,
  DeliveryState,
  deliveryStateToJSON,
} from '@callbacks/proto/callbacks/v1/delivery';
import type { AccountScope } from '../callbacks/ports';
import { endsDelivery } from '../deliveries/attempt-outcome';
import type {
  DeliveryCursor,
  DeliveryFilter,
  DeliveryLog,
  DeliveryOrigin,
  DeliveryProgress,
  DeliveryRecord,
  DeliveryRef,
  RecordedAttempt,
  StoredDelivery,
} from '../deliveries/ports';
import {
  type AttemptDocument,
  type DeliveryDocument,
  deliveryOf,
  fromAttemptFields,
  fromDeliveryDocument,
  storedEvent,
  toAttemptFields,
} from './delivery-document';
import { guarded, insertManyUnlessPresent } from './errors';
import { ensureExpiryIndex, type ExpiryMode } from './expiry-index';
import { createMissingIndexes } from './missing-indexes';

/**
 * The delivery log in two collections: `deliveries` (one document per delivery, its latest
 * state and last attempt) and `delivery_attempts` (one per attempt, but for the attempt that
 * ended a delivery with its first result, which the delivery holds). Both expire `retentionMs`
 * after the delivery was created.
 */
export class MongoDeliveryLog implements DeliveryLog {
  private readonly deliveries: Collection<DeliveryDocument>;
  private readonly attemptDocs: Collection<AttemptDocument>;

  constructor(
    private readonly db: Db,
    private readonly retentionMs: number,
  ) {
    this.deliveries = db.collection<DeliveryDocument>('deliveries');
    this.attemptDocs = db.collection<AttemptDocument>('delivery_attempts');
  }

  /** The indexes lists, replays and expiry need; idempotent. */
  async ensureIndexes(): Promise<ExpiryMode> {
    return guarded('creating delivery indexes', async () => {
      await createMissingIndexes(this.db, this.deliveries, [
        { key: { accountId: 1, createTime: -1, _id: -1 }, name: 'account_time' },
        { key: { accountId: 1, callbackId: 1, createTime: -1, _id: -1 }, name: 'account_callback_time' },
        { key: { accountId: 1, state: 1, createTime: -1, _id: -1 }, name: 'account_state_time', mongoOnly: true },
        {
          key: { accountId: 1, callbackId: 1, state: 1, createTime: -1, _id: -1 },
          name: 'account_callback_state_time',
          mongoOnly: true,
        },
      ]);
      await createMissingIndexes(this.db, this.attemptDocs, [
        { key: { deliveryId: 1, number: 1 }, name: 'delivery_number' },
      ]);
      const modes = [
        await ensureExpiryIndex(this.db, this.deliveries),
        await ensureExpiryIndex(this.db, this.attemptDocs),
      ];
      return modes.includes('clean-up-only') ? 'clean-up-only' : 'ttl-index';
    });
  }

  async open(origins: readonly DeliveryOrigin[]): Promise<void> {
    const docs = origins.map((origin) => this.documentOf(origin, { ...NOTHING_YET, updateTime: origin.createTime }));
    await guarded('recording deliveries', () => insertManyUnlessPresent(this.deliveries, docs));
  }

  async record(
    deliveries: readonly DeliveryRecord[],
    attempts: readonly RecordedAttempt[],
  ): Promise<RecordedAttempt[]> {
    return guarded('recording deliveries', async () => {
      // A delivery's first result (for most deliveries the only one) inserts it as it stands.
      const present = await insertManyUnlessPresent(
        this.deliveries,
        deliveries.map(({ origin, progress }) => this.documentOf(origin, progress)),
      );
      const presentIds = new Set(present.flatMap((index) => deliveries[index]?.origin.id ?? []));
      // An attempt that ends a delivery created by its result needs no document of its own: the
      // delivery holds it as its last attempt for good (most deliveries: one document, not two).
      // Held by a delivery that was present already, it was recorded before.
      const held = await this.lastAttempts(deliveries, presentIds, attempts);
      const recorded: RecordedAttempt[] = [];
      const documented: RecordedAttempt[] = [];
      const counted = new Set<string>();
      for (const a of attempts) {
        const holds = held.get(a.deliveryId);
        if (!holds || !endsDelivery(a.outcome) || !sameAttempt(holds, a.attempt)) documented.push(a);
        else if (!presentIds.has(a.deliveryId) && !counted.has(a.deliveryId)) {
          counted.add(a.deliveryId);
          recorded.push(a);
        }
      }
      recorded.push(...(await this.insertAttempts(documented)));
      // The others (a retried delivery's later results) advance it, in one command, unless a result
      // that stands later is there already; each update finds its delivery by `_id` (see errors.ts).
      const updates = present.flatMap((index) => {
        const entry = deliveries[index];
        if (entry === undefined) return [];
        const { origin, progress: p } = entry;
        return [
          {
            updateOne: {
              filter: { _id: origin.id, progress: { $lt: p.progress } },
              update: { $set: progressFields(p) },
            },
          },
        ];
      });
      if (updates.length > 0) await this.deliveries.bulkWrite(updates, { ordered: false });
      return recorded;
    });
  }

  /**
   * The last attempt each delivery ending with one of `attempts` holds: as written now for the
   * deliveries created now, as stored for those that were present (read back; few are).
   */
  private async lastAttempts(
    deliveries: readonly DeliveryRecord[],
    presentIds: ReadonlySet<string>,
    attempts: readonly RecordedAttempt[],
  ): Promise<Map<string, Attempt>> {
    const held = new Map<string, Attempt>();
    for (const { origin, progress } of deliveries) {
      if (progress.lastAttempt && !presentIds.has(origin.id)) held.set(origin.id, progress.lastAttempt);
    }
    const asked = new Set(
      attempts.filter((a) => endsDelivery(a.outcome) && presentIds.has(a.deliveryId)).map((a) => a.deliveryId),
    );
    if (asked.size === 0) return held;
    const stored = await this.deliveries
      .find({ _id: { $in: [...asked] } }, { projection: { _id: 1, lastAttempt: 1 } })
      .toArray();
    for (const doc of stored) if (doc.lastAttempt) held.set(doc._id, fromAttemptFields(doc.lastAttempt));
    return held;
  }

  /** Inserts the attempts' documents; returns the attempts inserted now (not before). */
  private async insertAttempts(attempts: readonly RecordedAttempt[]): Promise<RecordedAttempt[]> {
    const docs = attempts.map((a): AttemptDocument => ({
      _id: `${a.deliveryId}.${a.attempt.number}.${outcomeToJSON(a.outcome)}`,
      deliveryId: a.deliveryId,
      accountId: a.accountId,
      callbackId: a.callbackId,
      outcome: outcomeToJSON(a.outcome),
      ...toAttemptFields(a.attempt),
      expireAt: this.expiry(a.deliveryCreateTime),
    }));
    const present = new Set(await insertManyUnlessPresent(this.attemptDocs, docs));
    return attempts.filter((_, index) => !present.has(index));
  }

  async get(id: string, scope: AccountScope): Promise<StoredDelivery | undefined> {
    const doc = await guarded('reading a delivery', () => this.deliveries.findOne({ _id: id, ...scopeFilter(scope) }));
    return doc ? fromDeliveryDocument(doc) : undefined;
  }

  async getMany(ids: readonly string[], scope: AccountScope): Promise<StoredDelivery[]> {
    const docs = await guarded('reading deliveries', () =>
      this.deliveries.find({ _id: { $in: [...ids] }, ...scopeFilter(scope) }).toArray(),
    );
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    return ids.flatMap((id) => {
      const doc = byId.get(id);
      return doc ? [fromDeliveryDocument(doc)] : [];
    });
  }

  async attempts(delivery: Delivery): Promise<Attempt[]> {
    const docs = await guarded('reading attempts', () =>
      this.attemptDocs.find({ deliveryId: delivery.id }).sort({ number: 1, startTime: 1 }).toArray(),
    );
    const attempts = docs.map(fromAttemptFields);
    // The attempt that ended the delivery with its first result has no document (see record).
    const last = delivery.lastAttempt;
    if (last && !attempts.some((a) => sameAttempt(a, last))) {
      attempts.push(last);
      attempts.sort((a, b) => a.number - b.number);
    }
    return attempts;
  }

  async list(filter: DeliveryFilter, after: DeliveryCursor | undefined, limit: number): Promise<Delivery[]> {
    const query = queryOf(filter);
    if (after) {
      // The `$lte` says the same as the `$or` in a form an index range can answer.
      query.createTime = { ...query.createTime, $lte: after.createTime };
      query.$or = [{ createTime: { $lt: after.createTime } }, { createTime: after.createTime, _id: { $lt: after.id } }];
    }
    const docs = await guarded('listing deliveries', () =>
      this.deliveries
        .find(query, { projection: { event: 0 } })
        .sort({ createTime: -1, _id: -1 })
        .limit(limit)
        .toArray(),
    );
    return docs.map(deliveryOf);
  }

  async refs(ids: readonly string[], scope: AccountScope): Promise<DeliveryRef[]> {
    const docs = await guarded('finding deliveries', () =>
      this.deliveries
        .find({ _id: { $in: [...ids] }, ...scopeFilter(scope) }, { projection: { _id: 1, callbackId: 1 } })
        .toArray(),
    );
    return docs.map((doc) => ({ id: doc._id, callbackId: doc.callbackId }));
  }

  async matching(filter: DeliveryFilter, limit: number): Promise<DeliveryRef[]> {
    const docs = await guarded('finding deliveries', () =>
      this.deliveries
        .find(queryOf(filter), { projection: { _id: 1, callbackId: 1 } })
        .sort({ createTime: 1, _id: 1 })
        .limit(limit)
        .toArray(),
    );
    return docs.map((doc) => ({ id: doc._id, callbackId: doc.callbackId }));
  }

  /** Deletes what expired before `now`; the TTL index does the same where the server has one. */
  async purgeExpired(now: Date): Promise<{ deliveries: number; attempts: number }> {
    return guarded('deleting expired deliveries', async () => ({
      deliveries: (await this.deliveries.deleteMany({ expireAt: { $lt: now } })).deletedCount,
      attempts: (await this.attemptDocs.deleteMany({ expireAt: { $lt: now } })).deletedCount,
    }));
  }

  private documentOf(origin: DeliveryOrigin, p: DeliveryProgress): DeliveryDocument {
    return {
      _id: origin.id,
      accountId: origin.accountId,
      callbackId: origin.callbackId,
      eventId: origin.eventId,
      createTime: origin.createTime,
      replayOf: origin.replayOf,
      callbackRevision: origin.callbackRevision,
      event: storedEvent(origin.event),
      ...progressFields(p),
      expireAt: this.expiry(origin.createTime),
    };
  }

  private expiry(createTime: Date): Date {
    return new Date(createTime.getTime() + this.retentionMs);
  }
}

/** The same attempt, as its result and as stored: its number and when it started. */
function sameAttempt(a: Attempt, b: Attempt): boolean {
  return a.number === b.number && a.startTime?.getTime() === b.startTime?.getTime();
}

/** Where a delivery stands before any result. */
const NOTHING_YET = {
  progress: 0,
  state: DeliveryState.PENDING,
  attemptCount: 0,
  nextAttemptTime: undefined,
  lastAttempt: undefined,
} as const;

function progressFields(p: DeliveryProgress) {
  return {
    progress: p.progress,
    state: deliveryStateToJSON(p.state),
    attemptCount: p.attemptCount,
    nextAttemptTime: p.nextAttemptTime ?? null,
    lastAttempt: p.lastAttempt ? toAttemptFields(p.lastAttempt) : null,
    updateTime: p.updateTime,
  };
}

function scopeFilter(scope: AccountScope): Filter<DeliveryDocument> {
  return scope === '*' ? {} : { accountId: { $in: [...scope] } };
}

/**
 * The filter of lists sorted by `createTime` and `_id`. It states their types (every createTime is
 * a date, every id a string), which changes nothing on MongoDB and lets FerretDB stream a page in
 * an index's order instead of sorting every matched delivery (patches/README.md).
 */
function queryOf(filter: DeliveryFilter): Filter<DeliveryDocument> & { createTime: Record<string, unknown> } {
  const query: Filter<DeliveryDocument> & { createTime: Record<string, unknown> } = {
    ...scopeFilter(filter.scope),
    createTime: { $type: 'date' },
    _id: { $type: 'string' },
  };
  if (filter.callbackId !== undefined) query.callbackId = filter.callbackId;
  if (filter.states) query.state = { $in: filter.states.map(deliveryStateToJSON) };
  if (filter.from) query.createTime.$gte = filter.from;
  if (filter.until) query.createTime.$lt = filter.until;
  return query;
}

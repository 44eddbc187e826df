import type { Collection, Db } from 'mongodb';
import type { EndpointHealthStore } from '../deliveries/ports';
import { guarded, upsertReturning } from './errors';
import { ensureExpiryIndex, type ExpiryMode } from './expiry-index';

/**
 * Per callback: the latest success and failure and, while it only fails, the first failure since
 * the last success. Updated with single-document operators ($max, $min), so results applied in
 * any order, or at once by several instances, give the same answer.
 */
interface EndpointHealthDocument {
  _id: string;
  lastSuccessAt?: Date;
  lastFailureAt?: Date;
  failingSince?: Date;
  /** A callback without results for the retention period has no health worth keeping. */
  expireAt: Date;
}

export class MongoEndpointHealth implements EndpointHealthStore {
  private readonly collection: Collection<EndpointHealthDocument>;

  constructor(
    private readonly db: Db,
    private readonly retentionMs: number,
  ) {
    this.collection = db.collection<EndpointHealthDocument>('endpoint_health');
  }

  async ensureIndexes(): Promise<ExpiryMode> {
    return guarded('creating endpoint health indexes', () => ensureExpiryIndex(this.db, this.collection));
  }

  /*
   * Each observation is one `_id` upsert that returns the document; the conditional update that
   * follows it is needed only when the health changes (a first failure after a success, a
   * success after failures), which spares FerretDB its whole-collection scan for the common case
   * (see errors.ts). The conditions stay in the updates, so concurrent instances cannot undo
   * each other.
   */

  async succeeded(callbackId: string, at: Date): Promise<void> {
    await guarded('recording endpoint health', async () => {
      const doc = await upsertReturning(
        this.collection,
        { _id: callbackId },
        { $max: { lastSuccessAt: at, expireAt: this.expiry(at) } },
      );
      if (doc?.failingSince === undefined || doc.failingSince > at) return;
      await this.collection.updateOne(
        { _id: callbackId, failingSince: { $lte: at } },
        { $unset: { failingSince: '' } },
      );
    });
  }

  async failed(callbackId: string, at: Date): Promise<Date | undefined> {
    return guarded('recording endpoint health', async () => {
      const doc = await upsertReturning(
        this.collection,
        { _id: callbackId },
        { $max: { lastFailureAt: at, expireAt: this.expiry(at) } },
      );
      if (doc?.lastSuccessAt !== undefined && doc.lastSuccessAt >= at) return undefined; // it succeeded later
      if (doc?.failingSince !== undefined && doc.failingSince <= at) return doc.failingSince; // failing since before
      // Only a failure after the last success starts (or continues) a failing period.
      const updated = await this.collection.findOneAndUpdate(
        { _id: callbackId, $or: [{ lastSuccessAt: { $exists: false } }, { lastSuccessAt: { $lt: at } }] },
        { $min: { failingSince: at } },
        { returnDocument: 'after' },
      );
      return updated?.failingSince;
    });
  }

  async failingSinceOf(callbackIds: readonly string[]): Promise<Map<string, Date>> {
    if (callbackIds.length === 0) return new Map();
    const docs = await guarded('reading endpoint health', () =>
      this.collection
        .find({ _id: { $in: [...callbackIds] }, failingSince: { $exists: true } }, { projection: { failingSince: 1 } })
        .toArray(),
    );
    return new Map(docs.flatMap((doc) => (doc.failingSince ? [[doc._id, doc.failingSince] as const] : [])));
  }

  async restart(callbackId: string): Promise<void> {
    await guarded('recording endpoint health', () =>
      this.collection.updateOne({ _id: callbackId }, { $unset: { failingSince: '' } }),
    );
  }

  async purgeExpired(now: Date): Promise<number> {
    return guarded(
      'deleting expired endpoint health',
      async () => (await this.collection.deleteMany({ expireAt: { $lt: now } })).deletedCount,
    );
  }

  private expiry(at: Date): Date {
    return new Date(at.getTime() + this.retentionMs);
  }
}

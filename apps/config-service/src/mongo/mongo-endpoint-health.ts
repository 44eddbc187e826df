import type { Collection, Db } from 'mongodb';
import type { EndpointHealthStore } from '../deliveries/ports';
import { guarded, upsert } from './errors';
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
    db: Db,
    private readonly retentionMs: number,
  ) {
    this.collection = db.collection<EndpointHealthDocument>('endpoint_health');
  }

  async ensureIndexes(): Promise<ExpiryMode> {
    return guarded('creating endpoint health indexes', () => ensureExpiryIndex(this.collection));
  }

  async succeeded(callbackId: string, at: Date): Promise<void> {
    await guarded('recording endpoint health', async () => {
      await upsert(this.collection, { _id: callbackId }, { $max: { lastSuccessAt: at, expireAt: this.expiry(at) } });
      await this.collection.updateOne({ _id: callbackId, failingSince: { $lte: at } }, { $unset: { failingSince: '' } });
    });
  }

  async failed(callbackId: string, at: Date): Promise<Date | undefined> {
    return guarded('recording endpoint health', async () => {
      await upsert(this.collection, { _id: callbackId }, { $max: { lastFailureAt: at, expireAt: this.expiry(at) } });
      // Only a failure after the last success starts (or continues) a failing period.
      const doc = await this.collection.findOneAndUpdate(
        { _id: callbackId, $or: [{ lastSuccessAt: { $exists: false } }, { lastSuccessAt: { $lt: at } }] },
        { $min: { failingSince: at } },
        { returnDocument: 'after' },
      );
      return doc?.failingSince;
    });
  }

  async restart(callbackId: string): Promise<void> {
    await guarded('recording endpoint health', () => this.collection.updateOne({ _id: callbackId }, { $unset: { failingSince: '' } }));
  }

  async purgeExpired(now: Date): Promise<number> {
    return guarded('deleting expired endpoint health', async () => (await this.collection.deleteMany({ expireAt: { $lt: now } })).deletedCount);
  }

  private expiry(at: Date): Date {
    return new Date(at.getTime() + this.retentionMs);
  }
}

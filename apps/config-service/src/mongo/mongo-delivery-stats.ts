import { type AnyBulkWriteOperation, type Collection, type Db, type Filter, MongoBulkWriteError } from 'mongodb';
import { LATENCY_BOUNDS_MS, type MinuteTally } from '../deliveries/delivery-stats';
import type { DeliveryStatsStore } from '../deliveries/ports';
import { guarded } from './errors';
import { ensureExpiryIndex, type ExpiryMode } from './expiry-index';
import { createMissingIndexes } from './missing-indexes';

const HOUR = 3_600_000;
const DUPLICATE_KEY = 11000;
/**
 * Upserts per command. FerretDB 1.24 stopped answering an update command of a few hundred upserts
 * (in the statistics bench); a few dozen at a time it answers.
 */
const BULK = 25;

/** A minute's counts: succeeded, retrying, dead, and the latency histogram by bucket index. */
interface MinuteFields {
  s?: number;
  r?: number;
  d?: number;
  l?: Record<string, number>;
}

/**
 * One callback's tallies of one hour, a field per minute that had attempts. An hour per document
 * keeps the collection small (a callback busy all month: 720 documents), which matters on
 * FerretDB 1.24, whose upserts by `_id` and range queries scan the whole collection.
 */
interface StatsDocument {
  _id: string;
  accountId: string;
  callbackId: string;
  hour: Date;
  expireAt: Date;
  m: Record<string, MinuteFields>;
}

/** Statistics in `delivery_stats`, updated with one bulk command per batch of results. */
export class MongoDeliveryStats implements DeliveryStatsStore {
  private readonly docs: Collection<StatsDocument>;

  constructor(
    db: Db,
    private readonly retentionMs: number,
  ) {
    this.docs = db.collection<StatsDocument>('delivery_stats');
  }

  async ensureIndexes(): Promise<ExpiryMode> {
    return guarded('creating statistics indexes', async () => {
      await createMissingIndexes(this.docs, [
        { key: { callbackId: 1, hour: 1 }, name: 'callback_hour' },
        { key: { accountId: 1, hour: 1 }, name: 'account_hour' },
      ]);
      return ensureExpiryIndex(this.docs);
    });
  }

  async add(tallies: readonly MinuteTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const operations: AnyBulkWriteOperation<StatsDocument>[] = tallies.map((tally) => {
      const hour = Math.floor(tally.minute.getTime() / HOUR) * HOUR;
      const prefix = `m.${Math.floor((tally.minute.getTime() - hour) / 60_000)}`;
      const inc: Record<string, number> = {};
      if (tally.counts.succeeded) inc[`${prefix}.s`] = tally.counts.succeeded;
      if (tally.counts.retrying) inc[`${prefix}.r`] = tally.counts.retrying;
      if (tally.counts.dead) inc[`${prefix}.d`] = tally.counts.dead;
      tally.latency.forEach((n, bucket) => {
        if (n) inc[`${prefix}.l.${bucket}`] = n;
      });
      return {
        updateOne: {
          filter: { _id: `${tally.callbackId}:${hour}` },
          update: {
            $setOnInsert: {
              accountId: tally.accountId,
              callbackId: tally.callbackId,
              hour: new Date(hour),
              expireAt: new Date(hour + HOUR + this.retentionMs),
            },
            $inc: inc,
          },
          upsert: true,
        },
      };
    });
    await guarded('recording statistics', async () => {
      for (let i = 0; i < operations.length; i += BULK) await this.bulkWrite(operations.slice(i, i + BULK));
    });
  }

  private async bulkWrite(operations: AnyBulkWriteOperation<StatsDocument>[]): Promise<void> {
    {
      try {
        await this.docs.bulkWrite(operations, { ordered: false });
      } catch (error) {
        // Two instances inserting the same hour at once: one loses with a duplicate key, and
        // its increments then apply to the document the other one inserted.
        if (!(error instanceof MongoBulkWriteError)) throw error;
        const failures = [error.writeErrors].flat();
        if (failures.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
        const again = failures.map((failure) => operations[failure.index]).filter((op) => op !== undefined);
        await this.docs.bulkWrite(again, { ordered: false });
      }
    }
  }

  async read(
    filter: ({ callbackId: string } | { accountId: string }) & { from: Date; until: Date },
  ): Promise<MinuteTally[]> {
    const firstHour = new Date(Math.floor(filter.from.getTime() / HOUR) * HOUR);
    const query: Filter<StatsDocument> = {
      ...('callbackId' in filter ? { callbackId: filter.callbackId } : { accountId: filter.accountId }),
      hour: { $gte: firstHour, $lt: filter.until },
    };
    const docs = await guarded('reading statistics', () => this.docs.find(query).toArray());
    return docs.flatMap((doc) =>
      Object.entries(doc.m).flatMap(([minute, fields]) => {
        const at = new Date(doc.hour.getTime() + Number(minute) * 60_000);
        if (at < filter.from || at >= filter.until) return [];
        const latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1)
          .fill(0)
          .map((_, i) => fields.l?.[String(i)] ?? 0);
        return [
          {
            accountId: doc.accountId,
            callbackId: doc.callbackId,
            minute: at,
            counts: { succeeded: fields.s ?? 0, retrying: fields.r ?? 0, dead: fields.d ?? 0 },
            latency,
          },
        ];
      }),
    );
  }

  /** Deletes what expired (where the database has no TTL indexes this is what does). */
  async purgeExpired(now: Date): Promise<number> {
    const { deletedCount } = await guarded('deleting expired statistics', () =>
      this.docs.deleteMany({ expireAt: { $lt: now } }),
    );
    return deletedCount;
  }
}

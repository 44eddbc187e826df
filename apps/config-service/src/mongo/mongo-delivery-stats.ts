import { type AnyBulkWriteOperation, type Collection, type Db, MongoBulkWriteError } from 'mongodb';
import { addTally, copyTally, emptyCounts, LATENCY_BOUNDS_MS, type MinuteTally } from '../deliveries/delivery-stats';
import type { DeliveryStatsStore } from '../deliveries/ports';
import { guarded } from './errors';
import { ensureExpiryIndex, type ExpiryMode } from './expiry-index';

const HOUR = 3_600_000;
const DUPLICATE_KEY = 11000;
/**
 * Upserts per command: a stock FerretDB 1.24 waits forever on a command of more than 100 updates
 * (tools/infra/patches/README.md); 100 at a time works on every server.
 */
const BULK = 100;

/**
 * The tallies of one hour: counts by minute (`c`, fields `<minute>s`, `<minute>r`, `<minute>d`
 * for succeeded, retrying and dead, only where there were any) and one latency histogram for
 * the hour (`l`, by bucket index). One document per callback and hour (`_id`
 * `<callback>:<hour>`) and, summed over its callbacks, one per account and hour
 * (`account:<account>:<hour>`; ids hold no `:`, so the two never meet). A period is read by
 * `_id` (an `$in` of its hours), which costs the same however large the log and the collection
 * grow, on MongoDB and on FerretDB (tools/infra/patches/README.md). Flat fields and a histogram
 * per hour keep a document light: FerretDB decodes each field, and a histogram per minute made
 * a day's read cost three times as much.
 */
interface StatsDocument {
  _id: string;
  accountId: string;
  /** Absent on an account's documents. */
  callbackId?: string;
  hour: Date;
  expireAt: Date;
  c: Record<string, number>;
  l: Record<string, number>;
}

/** Hours per `$in`: a 60-day period by the hour is 1,440 of them. */
const IDS_PER_READ = 500;

/** Statistics in `delivery_stats`, updated with one bulk command per batch of results. */
export class MongoDeliveryStats implements DeliveryStatsStore {
  private readonly docs: Collection<StatsDocument>;

  constructor(
    private readonly db: Db,
    private readonly retentionMs: number,
  ) {
    this.docs = db.collection<StatsDocument>('delivery_stats');
  }

  async ensureIndexes(): Promise<ExpiryMode> {
    return guarded('creating statistics indexes', async () => {
      return ensureExpiryIndex(this.db, this.docs);
    });
  }

  /**
   * One `$inc` per callback and hour and per account and hour: increments commute, so results
   * recorded by several instances, in any order, add up to the same counts.
   */
  async add(tallies: readonly MinuteTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const operations: AnyBulkWriteOperation<StatsDocument>[] = [...tallies, ...byAccount(tallies)].map((tally) => {
      const hour = Math.floor(tally.minute.getTime() / HOUR) * HOUR;
      const minute = Math.floor((tally.minute.getTime() - hour) / 60_000);
      const inc: Record<string, number> = {};
      if (tally.counts.succeeded) inc[`c.${minute}s`] = tally.counts.succeeded;
      if (tally.counts.retrying) inc[`c.${minute}r`] = tally.counts.retrying;
      if (tally.counts.dead) inc[`c.${minute}d`] = tally.counts.dead;
      tally.latency.forEach((n, bucket) => {
        if (n) inc[`l.${bucket}`] = n;
      });
      return {
        updateOne: {
          filter: { _id: documentId(tally, hour) },
          update: {
            $setOnInsert: {
              accountId: tally.accountId,
              ...(tally.callbackId ? { callbackId: tally.callbackId } : {}),
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
    const ids: string[] = [];
    for (let hour = Math.floor(filter.from.getTime() / HOUR) * HOUR; hour < filter.until.getTime(); hour += HOUR) {
      ids.push(
        'callbackId' in filter
          ? documentId({ callbackId: filter.callbackId, accountId: '' }, hour)
          : documentId({ callbackId: '', accountId: filter.accountId }, hour),
      );
    }
    const docs = await guarded('reading statistics', async () => {
      const reads: Promise<StatsDocument[]>[] = [];
      for (let i = 0; i < ids.length; i += IDS_PER_READ) {
        reads.push(this.docs.find({ _id: { $in: ids.slice(i, i + IDS_PER_READ) } }).toArray());
      }
      return (await Promise.all(reads)).flat();
    });
    return docs.flatMap((doc) => tallies(doc, filter.from, filter.until));
  }

  /** Deletes what expired (where the database has no TTL indexes this is what does). */
  async purgeExpired(now: Date): Promise<number> {
    const { deletedCount } = await guarded('deleting expired statistics', () =>
      this.docs.deleteMany({ expireAt: { $lt: now } }),
    );
    return deletedCount;
  }
}

/** A callback's document of an hour, or its account's when the tally has no callback. */
function documentId(tally: Pick<MinuteTally, 'accountId' | 'callbackId'>, hour: number): string {
  return tally.callbackId ? `${tally.callbackId}:${hour}` : `account:${tally.accountId}:${hour}`;
}

/** The tallies summed per account and minute, without a callback. */
function byAccount(tallies: readonly MinuteTally[]): MinuteTally[] {
  const sums = new Map<string, MinuteTally>();
  for (const tally of tallies) {
    const key = `${tally.accountId}\u0000${tally.minute.getTime()}`;
    const sum = sums.get(key);
    if (sum) addTally(sum, tally);
    else sums.set(key, { ...copyTally(tally), callbackId: '' });
  }
  return [...sums.values()];
}

const OUTCOME_FIELDS = { s: 'succeeded', r: 'retrying', d: 'dead' } as const;

/**
 * A document's minutes in [from, until) as tallies. The hour's latency histogram comes with the
 * first of its minutes in the period: percentiles count the whole hours a period touches.
 */
function tallies(doc: StatsDocument, from: Date, until: Date): MinuteTally[] {
  const byMinute = new Map<number, MinuteTally>();
  for (const [field, n] of Object.entries(doc.c ?? {})) {
    const match = /^(\d+)([srd])$/.exec(field);
    if (!match) continue;
    const at = doc.hour.getTime() + Number(match[1]) * 60_000;
    if (at < from.getTime() || at >= until.getTime()) continue;
    let tally = byMinute.get(at);
    if (!tally) {
      tally = {
        accountId: doc.accountId,
        callbackId: doc.callbackId ?? '',
        minute: new Date(at),
        counts: emptyCounts(),
        latency: [],
      };
      byMinute.set(at, tally);
    }
    tally.counts[OUTCOME_FIELDS[match[2] as keyof typeof OUTCOME_FIELDS]] += n;
  }
  const minutes = [...byMinute.values()].sort((a, b) => a.minute.getTime() - b.minute.getTime());
  const first = minutes[0];
  if (first) first.latency = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => doc.l?.[String(i)] ?? 0);
  return minutes;
}

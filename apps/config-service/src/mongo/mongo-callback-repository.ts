import type { Collection, Db, Filter } from 'mongodb';
import { type Callback, callbackStateToJSON } from '@callbacks/proto/callbacks/v1/callback';
import type { AccountScope, CallbackFilter, CallbackRepository, CallbackRevision } from '../callbacks/ports';
import { isApiDisabled } from '../callbacks/validate-callback';
import { type CallbackDocument, fromDocument, labelPairs, toDocument } from './callback-document';
import { guarded } from './errors';
import { createMissingIndexes } from './missing-indexes';

export class MongoCallbackRepository implements CallbackRepository {
  private readonly collection: Collection<CallbackDocument>;

  constructor(private readonly db: Db) {
    this.collection = db.collection<CallbackDocument>('callbacks');
  }

  /** The indexes that lists and matcher look-ups need; idempotent. */
  async ensureIndexes(): Promise<void> {
    await guarded('creating indexes', () =>
      createMissingIndexes(this.db, this.collection, [
        { key: { accountId: 1, _id: 1 }, name: 'account_id' },
        { key: { accountId: 1, databaseId: 1, collectionId: 1, _id: 1 }, name: 'account_scope_id' },
        { key: { accountId: 1, state: 1, _id: 1 }, name: 'account_state_id' },
        { key: { labels: 1 }, name: 'labels', mongoOnly: true },
      ]),
    );
  }

  async insert(callback: Callback): Promise<void> {
    await guarded('inserting a callback', () => this.collection.insertOne(toDocument(callback)));
  }

  async findById(id: string, scope: AccountScope): Promise<Callback | undefined> {
    const doc = await guarded('reading a callback', () => this.collection.findOne({ _id: id, ...scopeFilter(scope) }));
    return doc ? read(doc) : undefined;
  }

  async list(filter: CallbackFilter, afterId: string | undefined, limit: number): Promise<Callback[]> {
    const query: Filter<CallbackDocument> = { ...scopeFilter(filter.scope) };
    if (filter.databaseId !== undefined) query.databaseId = filter.databaseId;
    if (filter.collectionId !== undefined) query.collectionId = filter.collectionId;
    if (filter.state !== undefined) query.state = callbackStateToJSON(filter.state);
    if (filter.labels) query.labels = { $all: labelPairs(filter.labels) };
    // Every id is a string: saying so (`$type`, or `$gt` a string) lets FerretDB stream the page
    // in the index's order instead of sorting the account's callbacks (patches/README.md).
    query._id = afterId === undefined ? { $type: 'string' } : { $gt: afterId };
    const docs = await guarded('listing callbacks', () =>
      this.collection.find(query).sort({ _id: 1 }).limit(limit).toArray(),
    );
    return docs.map(read);
  }

  async replace(callback: Callback, expectedRevision: number): Promise<boolean> {
    const result = await guarded('updating a callback', () =>
      this.collection.replaceOne({ _id: callback.id, revision: expectedRevision }, toDocument(callback)),
    );
    return result.matchedCount === 1;
  }

  async delete(id: string, expectedRevision: number): Promise<boolean> {
    const result = await guarded('deleting a callback', () =>
      this.collection.deleteOne({ _id: id, revision: expectedRevision }),
    );
    return result.deletedCount === 1;
  }

  /** A scan of the whole collection (no index narrows it), read in batches of 1,000. */
  async *revisions(): AsyncIterable<CallbackRevision> {
    const cursor = this.collection.find(
      {},
      { projection: { _id: 1, accountId: 1, databaseId: 1, revision: 1 }, batchSize: 1_000 },
    );
    try {
      for (;;) {
        const doc = await guarded('scanning callbacks', () => cursor.next());
        if (!doc) return;
        yield { id: doc._id, accountId: doc.accountId, databaseId: doc.databaseId, revision: doc.revision };
      }
    } finally {
      await cursor.close();
    }
  }
}

function scopeFilter(scope: AccountScope): Filter<CallbackDocument> {
  return scope === '*' ? {} : { accountId: { $in: [...scope] } };
}

function read(doc: CallbackDocument): Callback {
  const callback = fromDocument(doc);
  callback.disableOnApiCalls = isApiDisabled(callback.triggers);
  return callback;
}

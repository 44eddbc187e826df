import { type Collection, type Document, type IndexDescription, MongoServerError } from 'mongodb';

const NAMESPACE_NOT_FOUND = 26;

/**
 * Creates the indexes the collection does not have yet (by name). On MongoDB, creating an
 * existing index again is a no-op, so this is the same; FerretDB 1.24 instead closes the
 * connection when `createIndexes` names a compound index that already exists, so a restarted
 * service could never get past its start-up. Idempotent either way.
 */
export async function createMissingIndexes<T extends Document>(
  collection: Collection<T>,
  indexes: (IndexDescription & { name: string })[],
): Promise<void> {
  const existing = await collection
    .listIndexes()
    .toArray()
    .catch((error: unknown) => {
      if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
      throw error;
    });
  const names = new Set(existing.map((index) => String(index.name)));
  const missing = indexes.filter((index) => !names.has(index.name));
  if (missing.length > 0) await collection.createIndexes(missing);
}

import { type Collection, type Db, type Document, type IndexDescription, MongoServerError } from 'mongodb';

const NAMESPACE_NOT_FOUND = 26;

const answers = new WeakMap<Db, Promise<boolean>>();

/**
 * Whether the server uses secondary indexes for queries at all. FerretDB 1.x (SQLite) does not: it
 * pushes only `_id` look-ups down to SQLite and reads the whole table for any other filter or sort
 * (its `explain` says `filterPushdown: false`). There a secondary index serves no query and only
 * slows every write (the delivery log's three made recording results 1.3–1.5 × slower,
 * `npm run bench:delivery-log`), so such a server gets none; MongoDB gets every one. Asked once per
 * database handle.
 */
export function usesSecondaryIndexes(db: Db): Promise<boolean> {
  let answer = answers.get(db);
  if (!answer) {
    answer = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => !/^v?1\./.test(String(info.ferretdbVersion ?? '')))
      .catch((error: unknown) => {
        answers.delete(db); // asked again next time
        throw error;
      });
    answers.set(db, answer);
  }
  return answer;
}

/**
 * Creates the indexes the collection does not have yet (by name), where the server uses them
 * (`usesSecondaryIndexes`). On MongoDB, creating an existing index again is a no-op, so this is
 * the same; FerretDB 1.24 instead closes the connection when `createIndexes` names a compound
 * index that already exists, so a restarted service could never get past its start-up.
 * Idempotent either way.
 */
export async function createMissingIndexes<T extends Document>(
  db: Db,
  collection: Collection<T>,
  indexes: (IndexDescription & { name: string })[],
): Promise<void> {
  if (!(await usesSecondaryIndexes(db))) return;
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

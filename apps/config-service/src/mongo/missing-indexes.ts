import { type Collection, type Db, type Document, type IndexDescription, MongoServerError } from 'mongodb';

const NAMESPACE_NOT_FOUND = 26;

/**
 * How the server's queries use secondary indexes. `none`: FerretDB 1.x as released (SQLite) pushes
 * only `_id` look-ups down and reads the whole table for any other filter or sort (its `explain`
 * says `filterPushdown: false`); there a secondary index serves no query and only slows every
 * write, so such a server gets none. `pushdown`: the FerretDB that tools/infra builds pushes
 * top-level filters and sorts down to SQLite indexes (tools/infra/patches/README.md) and says so
 * in `buildInfo.ferretdbFeatures.indexPushdown`; it gets the indexes that keep list pages in index
 * order. `all`: MongoDB, which gets every index.
 */
export type IndexUse = 'all' | 'pushdown' | 'none';

const answers = new WeakMap<Db, Promise<IndexUse>>();

/** The server's IndexUse, asked once per database handle. */
export function indexUse(db: Db): Promise<IndexUse> {
  let answer = answers.get(db);
  if (!answer) {
    answer = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info): IndexUse => {
        if (!/^v?1\./.test(String(info.ferretdbVersion ?? ''))) return 'all';
        const features = info.ferretdbFeatures as { indexPushdown?: unknown } | undefined;
        return features?.indexPushdown === true ? 'pushdown' : 'none';
      })
      .catch((error: unknown) => {
        answers.delete(db); // asked again next time
        throw error;
      });
    answers.set(db, answer);
  }
  return answer;
}

/** Whether the server uses secondary indexes for queries at all (IndexUse). */
export async function usesSecondaryIndexes(db: Db): Promise<boolean> {
  return (await indexUse(db)) !== 'none';
}

/**
 * An index to create. `mongoOnly`: one that FerretDB's pushdown cannot use (a multikey array) or
 * that only narrows a page further than an index in the page's order does (by state): on the
 * embedded FerretDB each index costs every write more than MongoDB's does (five on the delivery
 * log, against three, made recording results about a third slower, `npm run bench:delivery-log`),
 * so there it is left out and the narrowing is done by SQLite on the rows the ordered index gives.
 */
export type IndexSpec = IndexDescription & { name: string; mongoOnly?: boolean };

/**
 * Creates the indexes the collection does not have yet (by name), where the server uses them
 * (`indexUse`). On MongoDB, creating an existing index again is a no-op, so this is
 * the same; FerretDB 1.24 instead closes the connection when `createIndexes` names a compound
 * index that already exists, so a restarted service could never get past its start-up.
 * Idempotent either way.
 */
export async function createMissingIndexes<T extends Document>(
  db: Db,
  collection: Collection<T>,
  specs: IndexSpec[],
): Promise<void> {
  const use = await indexUse(db);
  if (use === 'none') return;
  const indexes = specs.flatMap(({ mongoOnly, ...index }) => (mongoOnly && use !== 'all' ? [] : [index]));
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

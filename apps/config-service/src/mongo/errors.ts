import {
  type Collection,
  type Document,
  type Filter,
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type OptionalUnlessRequiredId,
  type UpdateFilter,
  type WithId,
} from 'mongodb';
import { UnavailableError } from '@callbacks/domain';

/** Runs a database call; an unreachable database becomes UnavailableError (gRPC UNAVAILABLE). */
export async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (
      error instanceof MongoServerSelectionError ||
      error instanceof MongoNetworkError ||
      error instanceof MongoTopologyClosedError ||
      error instanceof MongoNotConnectedError
    ) {
      throw new UnavailableError(`the database is unavailable (${what}); retry later`, { cause: error });
    }
    throw error;
  }
}

const DUPLICATE_KEY = 11000;

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/*
 * Writes that stay cheap as collections grow. FerretDB 1.24 with SQLite reads the whole table for
 * any filter that does not name an `_id` (tools/infra builds it with a patch that makes `_id`
 * equality and `$in` use the index: tools/infra/patches/README.md); an insert is checked against
 * the unique index. So the delivery log inserts where it can, and finds what it updates by `_id`.
 * On MongoDB every form here uses the `_id` index and means the same.
 */

/**
 * Inserts the documents whose `_id`s are not there yet, in one command; returns the indexes (in
 * `docs`) of those that were there already, which stay as they are.
 */
export async function insertManyUnlessPresent<T extends Document>(
  collection: Collection<T>,
  docs: readonly OptionalUnlessRequiredId<T>[],
): Promise<number[]> {
  if (docs.length === 0) return [];
  try {
    await collection.insertMany([...docs], { ordered: false });
    return [];
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const failures = [error.writeErrors].flat();
    if (failures.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
    return failures.map((failure) => failure.index);
  }
}

/**
 * An upsert that two writers may race: when both insert, one fails with a duplicate key, and
 * its update is applied again, to the document the other one inserted. Returns the document as
 * updated (whole: FerretDB 1.24 implements no projection in findAndModify).
 */
export async function upsertReturning<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  update: UpdateFilter<T>,
): Promise<WithId<T> | null> {
  const options = { upsert: true, returnDocument: 'after' } as const;
  try {
    return await collection.findOneAndUpdate(filter, update, options);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return collection.findOneAndUpdate(filter, update, options);
  }
}

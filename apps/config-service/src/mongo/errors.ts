import { UnavailableError } from '@callbacks/domain';
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Document,
  type Filter,
  type UpdateFilter,
} from 'mongodb';

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

/**
 * An upsert that two writers may race: when both insert, one fails with a duplicate key, and
 * its update is applied again, to the document the other one inserted.
 */
export async function upsert<T extends Document>(collection: Collection<T>, filter: Filter<T>, update: UpdateFilter<T>): Promise<void> {
  try {
    await collection.updateOne(filter, update, { upsert: true });
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    await collection.updateOne(filter, update, { upsert: true });
  }
}

import { type Collection, type Db, type Document, MongoServerError } from 'mongodb';
import { createMissingIndexes } from './missing-indexes';

/** How expired documents leave a collection. */
export type ExpiryMode = 'ttl-index' | 'clean-up-only';

const NOT_IMPLEMENTED = 238;

/**
 * A TTL index on `expireAt` (each document says when it expires: retention changes then apply to
 * what is recorded from then on, and the index never needs changing). FerretDB 1.x refuses TTL
 * indexes ("Index option "expireAfterSeconds" is not implemented yet", code 238); there the
 * periodic clean-up's deletes do all the work (on MongoDB they merely find nothing left to do),
 * helped by the same index without the option where the server uses one (createMissingIndexes).
 */
export async function ensureExpiryIndex<T extends Document>(db: Db, collection: Collection<T>): Promise<ExpiryMode> {
  try {
    await collection.createIndex({ expireAt: 1 }, { name: 'expire_at', expireAfterSeconds: 0 });
    return 'ttl-index';
  } catch (error) {
    if (!(
      error instanceof MongoServerError &&
      error.code === NOT_IMPLEMENTED &&
      /expireAfterSeconds/.test(error.message)
    ))
      throw error;
    await createMissingIndexes(db, collection, [{ key: { expireAt: 1 }, name: 'expire_at' }]);
    return 'clean-up-only';
  }
}

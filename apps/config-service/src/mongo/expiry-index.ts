import { type Collection, type Document, MongoServerError } from 'mongodb';

/** How expired documents leave a collection. */
export type ExpiryMode = 'ttl-index' | 'clean-up-only';

const NOT_IMPLEMENTED = 238;

/**
 * A TTL index on `expireAt` (each document says when it expires: retention changes then apply to
 * what is recorded from then on, and the index never needs changing). FerretDB 1.x refuses TTL
 * indexes ("Index option "expireAfterSeconds" is not implemented yet", code 238); there the same
 * index is created without the option, for the periodic clean-up's deletes, which then do all
 * the work (on MongoDB they merely find nothing left to do).
 */
export async function ensureExpiryIndex<T extends Document>(collection: Collection<T>): Promise<ExpiryMode> {
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
    await collection.createIndex({ expireAt: 1 }, { name: 'expire_at' });
    return 'clean-up-only';
  }
}

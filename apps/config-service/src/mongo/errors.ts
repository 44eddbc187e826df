import { UnavailableError } from '@callbacks/domain';
import { MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

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

import type { Logger } from '@callbacks/logger';

/**
 * Runs a start-up step until it succeeds, or until the service stops: a dependency that is not
 * there yet (the database, JetStream) delays that part of the service instead of failing it.
 * Resolves true once the step succeeded, false when the service stopped first.
 */
export async function retryUntilDone(
  what: string,
  step: () => Promise<void>,
  options: { log: Logger; stopped: () => boolean },
): Promise<boolean> {
  for (let attempt = 1; !options.stopped(); attempt++) {
    try {
      await step();
      return true;
    } catch (error) {
      options.log.warn({ err: error, attempt }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
    }
  }
  return false;
}

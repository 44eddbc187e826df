import { JetStreamApiError } from '@nats-io/jetstream';

/** Longest a start-up JetStream call keeps trying through a cluster's elections. */
const DEADLINE_MS = 120_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Whether a JetStream API call failed for a moment only: no answer in time, nobody answering, or
 * JetStream saying it is unavailable. On a cluster this is what a call meets while a meta or
 * stream leader is being elected (a node restarted, a rolling upgrade), or while replicated
 * streams are created under load; the call is worth repeating.
 */
export function isTransientJetStreamError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'NoResponders') return true;
  if (error.name === 'RequestError')
    return isTransientJetStreamError(error.cause) || /timeout|no responders/i.test(error.message);
  // 503 and 10008: "JetStream system temporarily unavailable".
  return error instanceof JetStreamApiError && (error.status === 503 || error.code === 10008);
}

/**
 * Runs an idempotent JetStream set-up step (ensure a stream, a consumer), repeating it while it
 * fails transiently, with a growing pause, up to two minutes; other failures are thrown at once.
 */
export async function retryTransient<T>(step: () => Promise<T>, deadlineMs = DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientJetStreamError(error) || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

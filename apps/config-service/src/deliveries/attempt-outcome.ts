import { isId } from '@callbacks/domain';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';

const STATE_AFTER: Partial<Record<Outcome, DeliveryState>> = {
  [Outcome.RETRYING]: DeliveryState.PENDING,
  [Outcome.SUCCEEDED]: DeliveryState.SUCCEEDED,
  [Outcome.DEAD]: DeliveryState.DEAD,
  // 410 Gone ends the delivery like the last failed attempt does: replayable once re-enabled.
  [Outcome.GONE]: DeliveryState.DEAD,
  [Outcome.SKIPPED]: DeliveryState.SKIPPED,
};

/** The delivery's state after an attempt with this outcome; undefined for an outcome the log does not know. */
export function stateAfter(outcome: Outcome): DeliveryState | undefined {
  return STATE_AFTER[outcome];
}

/** Whether no attempt follows one with this outcome: it ends its delivery. */
export function endsDelivery(outcome: Outcome): boolean {
  return outcome === Outcome.SUCCEEDED || outcome === Outcome.DEAD || outcome === Outcome.GONE;
}

/** Within one attempt: a skip stands before a retry, a retry before an end. */
const RANK: Partial<Record<Outcome, number>> = {
  [Outcome.SKIPPED]: 1,
  [Outcome.RETRYING]: 2,
  [Outcome.DEAD]: 3,
  [Outcome.GONE]: 3,
  [Outcome.SUCCEEDED]: 4,
};

/**
 * Where a result stands in its delivery's history, as one number: later attempts after earlier
 * ones and, within an attempt, an end after a retry. Results arrive in any order (redeliveries,
 * concurrent consumers); the log keeps the state of the one that stands last. 0 is "no result yet".
 */
export function progressOf(attempt: number, outcome: Outcome): number {
  return Math.max(0, attempt) * 8 + (RANK[outcome] ?? 0);
}

/** Why a result cannot be recorded, or undefined when it can. */
export function unrecordable(result: AttemptResult): string | undefined {
  for (const field of ['deliveryId', 'accountId', 'callbackId'] as const) {
    if (!isId(result[field])) return `${field} ${JSON.stringify(result[field])} is not an id`;
  }
  if (!Number.isInteger(result.attempt) || result.attempt < 0)
    return `attempt ${result.attempt} is not an attempt number`;
  if (stateAfter(result.outcome) === undefined) return `outcome ${result.outcome} is not one the delivery log knows`;
  return undefined;
}

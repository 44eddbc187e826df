import { createHash, randomBytes } from 'node:crypto';

/**
 * The id of a replay: `dl_` + 32 random hex digits, the shape of the matcher's ids (which are
 * derived from the event and callback) but random, since a replay of the same delivery may be
 * asked for more than once and each is a delivery of its own.
 */
export function newReplayId(): string {
  return `dl_${randomBytes(16).toString('hex')}`;
}

/**
 * The id of a replay asked for with a request id: derived from the request id and the original,
 * so that asking again with the same request id replays each original under the same id (and
 * the deliveries stream drops the repeats). Unrelated requests share no ids.
 */
export function replayIdFor(requestId: string, originalId: string): string {
  return `dl_${createHash('sha256').update(`replay\u0000${requestId}\u0000${originalId}`).digest('hex').slice(0, 32)}`;
}

/**
 * The id a TestCallback request is sent with: recognisably a test (`dl_test_`), so a receiver's
 * logs and idempotency store never mistake it for a real delivery. It is never recorded.
 */
export function newTestDeliveryId(): string {
  return `dl_test_${randomBytes(12).toString('hex')}`;
}

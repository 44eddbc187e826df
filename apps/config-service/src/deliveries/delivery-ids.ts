import { randomBytes } from 'node:crypto';

/**
 * The id of a replay: `dl_` + 32 random hex digits, the shape of the matcher's ids (which are
 * derived from the event and callback) but random, since a replay of the same delivery may be
 * asked for more than once and each is a delivery of its own.
 */
export function newReplayId(): string {
  return `dl_${randomBytes(16).toString('hex')}`;
}

/**
 * The id a TestCallback request is sent with: recognisably a test (`dl_test_`), so a receiver's
 * logs and idempotency store never mistake it for a real delivery. It is never recorded.
 */
export function newTestDeliveryId(): string {
  return `dl_test_${randomBytes(12).toString('hex')}`;
}

import { AttemptResult } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { unrecordable } from '../deliveries/attempt-outcome';

export type DecodedResult = { ok: true; result: AttemptResult } | { ok: false; reason: string };

/**
 * An attempt result from `callbacks.results.v1.<account>.<callback>`: decodable, recordable, and
 * about the account and callback its subject names (the subject is what tenancy is filtered on).
 */
export function decodeAttemptResult(subject: string, data: Uint8Array): DecodedResult {
  let result: AttemptResult;
  try {
    result = AttemptResult.decode(data);
  } catch (error) {
    return { ok: false, reason: `undecodable attempt result: ${(error as Error).message}` };
  }
  const problem = unrecordable(result);
  if (problem) return { ok: false, reason: `unrecordable attempt result: ${problem}` };
  const [, , , accountId, callbackId] = subject.split('.');
  if (accountId !== result.accountId || callbackId !== result.callbackId) {
    return {
      ok: false,
      reason: `the subject ${subject} names another account or callback than the result (${result.accountId}, ${result.callbackId})`,
    };
  }
  return { ok: true, result };
}

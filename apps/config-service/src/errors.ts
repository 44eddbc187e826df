import { DomainError } from '@callbacks/domain';

/**
 * The request is well-formed, but the state of the system does not allow it: replaying for a
 * callback that is not ACTIVE, testing a callback without a signing key. The caller must change
 * that state first (gRPC FAILED_PRECONDITION), so the message always says what to change.
 */
export class FailedPreconditionError extends DomainError {
  override readonly name = 'FailedPreconditionError';
}

/**
 * The caller made more requests than its token may (CONFIG_API_RATE_LIMIT): gRPC
 * RESOURCE_EXHAUSTED with a google.rpc.RetryInfo, HTTP 429 with Retry-After.
 */
export class RequestRateExceededError extends DomainError {
  override readonly name = 'RequestRateExceededError';

  constructor(
    caller: string,
    readonly retryAfterMs: number,
  ) {
    super(`too many requests for token ${JSON.stringify(caller)}; retry in ${Math.ceil(retryAfterMs / 1000)}s`);
  }
}

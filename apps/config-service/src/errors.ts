import { DomainError } from '@callbacks/domain';

/**
 * The request is well-formed, but the state of the system does not allow it: replaying for a
 * callback that is not ACTIVE, testing a callback without a signing key. The caller must change
 * that state first (gRPC FAILED_PRECONDITION), so the message always says what to change.
 */
export class FailedPreconditionError extends DomainError {
  override readonly name = 'FailedPreconditionError';
}

import { type ServiceError, status } from '@grpc/grpc-js';
import { BadRequest } from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';
import { CliError } from '../errors';
import { exitCodeForStatus } from '../exit-codes';
import { count } from '../output/count';

const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

/**
 * A failed call as something a person can act on: the exit code for its status, one line that
 * says what happened (and, for connection and credential problems, what to check), and for
 * invalid input every field violation of the google.rpc.BadRequest, `callback.url: ...`.
 */
export function describeServiceError(error: ServiceError, address: string): CliError {
  const exitCode = exitCodeForStatus(error.code);
  // grpc-js ends connection errors with an empty "Resolution note:"; it says nothing.
  const details = (error.details || error.message).replace(/\s*Resolution note:\s*$/, '');
  switch (error.code) {
    case status.INVALID_ARGUMENT: {
      const violations = fieldViolations(error);
      if (violations.length === 0) return new CliError(exitCode, `invalid request: ${details}`);
      return new CliError(exitCode, `invalid request (${count(violations.length, 'problem')}):`, violations);
    }
    case status.NOT_FOUND:
      return new CliError(exitCode, details);
    case status.ABORTED:
      return new CliError(exitCode, `conflict: ${details}`);
    case status.FAILED_PRECONDITION:
      return new CliError(exitCode, `not possible now: ${details}`);
    case status.UNAUTHENTICATED:
      return new CliError(exitCode, `not authenticated: ${details} (check --token or CALLBACKS_TOKEN)`);
    case status.PERMISSION_DENIED:
      return new CliError(exitCode, `permission denied: ${details}`);
    case status.UNAVAILABLE:
      return new CliError(exitCode, `the config service at ${address} is unavailable: ${details}`);
    case status.DEADLINE_EXCEEDED:
      return new CliError(
        exitCode,
        `no answer from the config service at ${address} within the deadline (--deadline): ${details}`,
      );
    default:
      return new CliError(exitCode, `the config service failed (${status[error.code] ?? error.code}): ${details}`);
  }
}

/** `field: description` for each violation in the status details, in the service's order. */
function fieldViolations(error: ServiceError): string[] {
  const raw = error.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return [];
  return Status.decode(raw)
    .details.filter((detail) => detail.typeUrl === BAD_REQUEST)
    .flatMap((detail) => BadRequest.decode(detail.value).fieldViolations)
    .map((violation) => `${violation.field || 'request'}: ${violation.description}`);
}

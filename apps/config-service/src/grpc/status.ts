import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  DomainError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  RevisionConflictError,
  UnauthenticatedError,
  UnavailableError,
} from '@callbacks/domain';
import { BadRequest, ErrorInfo } from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';
import type { Any } from '@callbacks/proto/google/protobuf/any';
import { FailedPreconditionError } from '../errors';

/** The error a handler gives gRPC: a status code, a message and, where useful, rich details. */
export type GrpcError = Partial<ServiceError> & { code: status; details: string };

const ERROR_DOMAIN = 'callbacks.v1';

/** Domain errors without rich details, and their status codes. */
const STATUS_OF: readonly [abstract new (...args: never[]) => DomainError, status][] = [
  [NotFoundError, status.NOT_FOUND],
  [UnauthenticatedError, status.UNAUTHENTICATED],
  [PermissionDeniedError, status.PERMISSION_DENIED],
  [UnavailableError, status.UNAVAILABLE],
  [FailedPreconditionError, status.FAILED_PRECONDITION],
];

/**
 * Maps domain errors to gRPC statuses, once, at the edge. Invalid input carries a
 * google.rpc.BadRequest with one field violation per problem (AIP-193), in the
 * `grpc-status-details-bin` trailer. Anything unexpected is INTERNAL without internals.
 */
export function toGrpcError(error: unknown): { grpc: GrpcError; expected: boolean } {
  if (!(error instanceof DomainError)) {
    return { grpc: { code: status.INTERNAL, details: 'internal error; it has been logged' }, expected: false };
  }
  if (error instanceof InvalidArgumentError) {
    const badRequest = BadRequest.encode({
      fieldViolations: error.violations.map((v) => ({ field: v.field, description: v.description, reason: v.reason })),
    }).finish();
    return {
      grpc: withDetails(status.INVALID_ARGUMENT, error.message, [
        { typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from(badRequest) },
      ]),
      expected: true,
    };
  }
  if (error instanceof RevisionConflictError) {
    const info = ErrorInfo.encode({
      reason: 'REVISION_CONFLICT',
      domain: ERROR_DOMAIN,
      metadata: { expected_revision: String(error.expected), current_revision: String(error.actual) },
    }).finish();
    return {
      grpc: withDetails(status.ABORTED, error.message, [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }]),
      expected: true,
    };
  }
  const code = STATUS_OF.find(([kind]) => error instanceof kind)?.[1] ?? status.INTERNAL;
  return { grpc: { code, details: error.message }, expected: code !== status.INTERNAL };
}

function withDetails(code: status, message: string, details: Any[]): GrpcError {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details }).finish()));
  return { code, details: message, metadata };
}

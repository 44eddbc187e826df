import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  DomainError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  RevisionConflictError,
  UnauthenticatedError,
  UnavailableError,
  type Violation,
} from '@callbacks/domain';
import type { Any } from '@callbacks/proto/google/protobuf/any';
import {
  BadRequest,
  type BadRequest_FieldViolation as FieldViolation,
  ErrorInfo,
  RetryInfo,
} from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';
import { FailedPreconditionError, RequestRateExceededError } from '../errors';

/** The error a handler gives gRPC: a status code, a message and, where useful, rich details. */
export type GrpcError = Partial<ServiceError> & { code: status; details: string };

const ERROR_DOMAIN = 'callbacks.v1';

/*
 * The status travels in HTTP/2 trailers, and clients cap their size (gRPC C++ at 8 KiB, Node at
 * 64 KiB). Past the cap a grpc-js client does not fail the call: it and every later call on the
 * connection hang until their deadlines. A message or a violation can echo the request (a field
 * mask path, thousands of bad list items), so both are bounded here.
 */
const MAX_MESSAGE_CHARS = 1024;
const MAX_FIELD_CHARS = 256;
const MAX_DESCRIPTION_CHARS = 512;
/** The google.rpc.BadRequest carries the first violations that fit; the message counts them all. */
const MAX_BAD_REQUEST_BYTES = 4096;

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
 * google.rpc.BadRequest with one field violation per problem (AIP-193; as many as fit in the
 * trailers), in the `grpc-status-details-bin` trailer. Anything unexpected is INTERNAL without
 * internals.
 */
export function toGrpcError(error: unknown): { grpc: GrpcError; expected: boolean } {
  if (!(error instanceof DomainError)) {
    return { grpc: { code: status.INTERNAL, details: 'internal error; it has been logged' }, expected: false };
  }
  if (error instanceof InvalidArgumentError) {
    const badRequest = BadRequest.encode({ fieldViolations: violationsThatFit(error.violations) }).finish();
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
      grpc: withDetails(status.ABORTED, error.message, [
        { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) },
      ]),
      expected: true,
    };
  }
  if (error instanceof RequestRateExceededError) {
    // Whole seconds, as HTTP's Retry-After has them: a client that waits this long gets through.
    const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    const info = RetryInfo.encode({ retryDelay: { seconds, nanos: 0 } }).finish();
    return {
      grpc: withDetails(status.RESOURCE_EXHAUSTED, error.message, [
        { typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: Buffer.from(info) },
      ]),
      expected: true,
    };
  }
  const code = STATUS_OF.find(([kind]) => error instanceof kind)?.[1] ?? status.INTERNAL;
  return { grpc: { code, details: clip(error.message, MAX_MESSAGE_CHARS) }, expected: code !== status.INTERNAL };
}

function withDetails(code: status, message: string, details: Any[]): GrpcError {
  const clipped = clip(message, MAX_MESSAGE_CHARS);
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message: clipped, details }).finish()));
  return { code, details: clipped, metadata };
}

function violationsThatFit(violations: readonly Violation[]): FieldViolation[] {
  const fitting: FieldViolation[] = [];
  let bytes = 0;
  for (const v of violations) {
    const violation = {
      field: clip(v.field, MAX_FIELD_CHARS),
      description: clip(v.description, MAX_DESCRIPTION_CHARS),
      reason: v.reason,
    };
    bytes += BadRequest.encode({ fieldViolations: [violation] }).finish().length;
    if (bytes > MAX_BAD_REQUEST_BYTES) break;
    fitting.push(violation);
  }
  return fitting;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

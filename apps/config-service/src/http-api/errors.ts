import { fromBinary, type JsonValue } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { RetryInfo } from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';
import { messageDesc, writeJson } from '@callbacks/proto/proto-json';
import { toGrpcError } from '../grpc/status';

/**
 * Errors over HTTP are what gRPC sends in its status, as JSON: a `google.rpc.Status` with the
 * same code, message and details (BadRequest field violations, ErrorInfo with the current
 * revision, RetryInfo), under the HTTP status google/rpc/code.proto gives the code. The mapping of
 * domain errors stays in grpc/status.ts; this only changes the envelope (a RetryInfo is also
 * HTTP's Retry-After).
 */

/** google/rpc/code.proto's HTTP mapping. */
const HTTP_STATUS: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

export interface HttpError {
  httpStatus: number;
  body: JsonValue;
  /** The gRPC code's name, for logs. */
  code: string;
  /** A domain error the caller can act on (logged at info), rather than a fault of ours. */
  expected: boolean;
  /** From a google.rpc.RetryInfo: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * `conditional`: the request carried `If-Match`, so a revision conflict is HTTP's own
 * `412 Precondition Failed` rather than the 409 an `expected_revision` in the request gets.
 */
export function toHttpError(error: unknown, conditional: boolean): HttpError {
  const { grpc, expected } = toGrpcError(error);
  const [details] = grpc.metadata?.get('grpc-status-details-bin') ?? [];
  const body = Buffer.isBuffer(details)
    ? writeJson(messageDesc('google.rpc.Status'), fromBinary(messageDesc('google.rpc.Status'), details))
    : statusJson(grpc.code, grpc.details);
  const httpStatus = grpc.code === status.ABORTED && conditional ? 412 : (HTTP_STATUS[grpc.code] ?? 500);
  const retryAfterSeconds = Buffer.isBuffer(details) ? retryDelaySeconds(details) : undefined;
  return { httpStatus, body, code: status[grpc.code], expected, ...(retryAfterSeconds && { retryAfterSeconds }) };
}

function retryDelaySeconds(statusBytes: Buffer): number | undefined {
  const retry = Status.decode(statusBytes).details.find(
    (d) => d.typeUrl === 'type.googleapis.com/google.rpc.RetryInfo',
  );
  const delay = retry && RetryInfo.decode(retry.value).retryDelay;
  return delay && Math.max(1, Math.ceil(delay.seconds + delay.nanos / 1e9));
}

/** A google.rpc.Status without details, for what HTTP itself refuses (no route, a wrong method, a body too large). */
export function statusJson(code: status, message: string): JsonValue {
  return { code, message, details: [] };
}

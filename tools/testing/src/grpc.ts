import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { CallbackServiceClient } from '@callbacks/proto/callbacks/v1/callback_service';
import { BadRequest } from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';

/** A client of the config service; over TLS when given the CA (PEM) of the certificate it serves. */
export function callbackClient(address: string, caPem?: string): CallbackServiceClient {
  return new CallbackServiceClient(
    address,
    caPem === undefined ? credentials.createInsecure() : credentials.createSsl(Buffer.from(caPem)),
  );
}

export function auth(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** Calls a unary method and resolves with the response or rejects with the ServiceError. */
export function call<Req, Res>(
  method: Unary<Req, Res>,
  request: Req,
  metadata: Metadata,
  timeoutMs = 15_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: new Date(Date.now() + timeoutMs) }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** Calls, expecting a failure; resolves with the ServiceError. */
export async function callFails<Req, Res>(
  method: Unary<Req, Res>,
  request: Req,
  metadata: Metadata,
): Promise<ServiceError> {
  try {
    await call(method, request, metadata);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The field paths of the google.rpc.BadRequest in an error's status details. */
export function violatedFields(error: ServiceError): string[] {
  const raw = error.metadata?.get('grpc-status-details-bin')[0];
  if (!raw) return [];
  const status = Status.decode(raw as Buffer);
  return status.details
    .filter((d) => d.typeUrl === 'type.googleapis.com/google.rpc.BadRequest')
    .flatMap((d) => BadRequest.decode(d.value).fieldViolations.map((v) => v.field));
}

/**
 * Calls a method with request bytes as they are, which need not be a valid request message (a
 * pass-through serializer): for testing how a server takes malformed input. Resolves with the
 * ServiceError, or null and the response bytes.
 */
export function callRaw(
  address: string,
  path: string,
  body: Uint8Array,
  metadata: Metadata,
  timeoutMs = 30_000,
): Promise<{ error: ServiceError | null; response: Buffer | undefined }> {
  const client = new Client(address, credentials.createInsecure());
  const same = (bytes: Buffer) => bytes;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      same,
      same,
      Buffer.from(body),
      metadata,
      { deadline: new Date(Date.now() + timeoutMs) },
      (error, response) => {
        client.close();
        resolve({ error, response });
      },
    );
  });
}

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** grpc.health.v1.Health/Check of `service` ('' for the server as a whole): its serving status. */
export async function checkHealth(address: string, service = ''): Promise<string> {
  const request = new BinaryWriter().tag(1, WireType.LengthDelimited).string(service).finish(); // HealthCheckRequest.service
  const { error, response } = await callRaw(address, '/grpc.health.v1.Health/Check', request, new Metadata());
  if (error) throw error;
  const reader = new BinaryReader(response ?? new Uint8Array());
  let status = 0; // HealthCheckResponse.status; absent means UNKNOWN
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) status = reader.int32();
    else reader.skip(wireType);
  }
  return SERVING_STATUS[status] ?? `status ${status}`;
}

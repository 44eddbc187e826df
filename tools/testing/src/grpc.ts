import { Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { CallbackServiceClient } from '@callbacks/proto/callbacks/v1/callback_service';
import { BadRequest } from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';

export function callbackClient(address: string): CallbackServiceClient {
  return new CallbackServiceClient(address, credentials.createInsecure());
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
export function call<Req, Res>(method: Unary<Req, Res>, request: Req, metadata: Metadata, timeoutMs = 15_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: new Date(Date.now() + timeoutMs) }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** Calls, expecting a failure; resolves with the ServiceError. */
export async function callFails<Req, Res>(method: Unary<Req, Res>, request: Req, metadata: Metadata): Promise<ServiceError> {
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

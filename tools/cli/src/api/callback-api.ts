import { type CallOptions, type ClientUnaryCall, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  CallbackServiceClient,
  type CreateCallbackRequest,
  type CreateCallbackResponse,
  type DeleteCallbackRequest,
  type DeleteCallbackResponse,
  type GetCallbackRequest,
  type GetCallbackResponse,
  type GetDeliveryRequest,
  type GetDeliveryResponse,
  type ListCallbacksRequest,
  type ListCallbacksResponse,
  type ListDeliveriesRequest,
  type ListDeliveriesResponse,
  type ReplayDeliveriesRequest,
  type ReplayDeliveriesResponse,
  type RevealCallbackSecretRequest,
  type RevealCallbackSecretResponse,
  type RotateCallbackSecretRequest,
  type RotateCallbackSecretResponse,
  type TestCallbackRequest,
  type TestCallbackResponse,
  type UpdateCallbackRequest,
  type UpdateCallbackResponse,
} from '@callbacks/proto/callbacks/v1/callback_service';

export interface ApiSettings {
  readonly address: string;
  readonly token: string;
  readonly tls: boolean;
  readonly deadlineMs: number;
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * The config service's API as promises: every call carries the bearer token and a deadline.
 * Failures reject with grpc-js's ServiceError, which `describeServiceError` turns into a line a
 * person can act on.
 */
export class CallbackApi {
  readonly #client: CallbackServiceClient;
  readonly #metadata = new Metadata();

  constructor(private readonly settings: ApiSettings) {
    this.#client = new CallbackServiceClient(
      settings.address,
      settings.tls ? credentials.createSsl() : credentials.createInsecure(),
    );
    this.#metadata.set('authorization', `Bearer ${settings.token}`);
  }

  get address(): string {
    return this.settings.address;
  }

  createCallback(request: CreateCallbackRequest): Promise<CreateCallbackResponse> {
    return this.#call(this.#client.createCallback, request);
  }

  getCallback(request: GetCallbackRequest): Promise<GetCallbackResponse> {
    return this.#call(this.#client.getCallback, request);
  }

  listCallbacks(request: ListCallbacksRequest): Promise<ListCallbacksResponse> {
    return this.#call(this.#client.listCallbacks, request);
  }

  updateCallback(request: UpdateCallbackRequest): Promise<UpdateCallbackResponse> {
    return this.#call(this.#client.updateCallback, request);
  }

  deleteCallback(request: DeleteCallbackRequest): Promise<DeleteCallbackResponse> {
    return this.#call(this.#client.deleteCallback, request);
  }

  testCallback(request: TestCallbackRequest): Promise<TestCallbackResponse> {
    return this.#call(this.#client.testCallback, request);
  }

  rotateCallbackSecret(request: RotateCallbackSecretRequest): Promise<RotateCallbackSecretResponse> {
    return this.#call(this.#client.rotateCallbackSecret, request);
  }

  revealCallbackSecret(request: RevealCallbackSecretRequest): Promise<RevealCallbackSecretResponse> {
    return this.#call(this.#client.revealCallbackSecret, request);
  }

  listDeliveries(request: ListDeliveriesRequest): Promise<ListDeliveriesResponse> {
    return this.#call(this.#client.listDeliveries, request);
  }

  getDelivery(request: GetDeliveryRequest): Promise<GetDeliveryResponse> {
    return this.#call(this.#client.getDelivery, request);
  }

  replayDeliveries(request: ReplayDeliveriesRequest): Promise<ReplayDeliveriesResponse> {
    return this.#call(this.#client.replayDeliveries, request);
  }

  close(): void {
    this.#client.close();
  }

  #call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.settings.deadlineMs);
      method.call(this.#client, request, this.#metadata, { deadline }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }
}

/** A message field the service always sets; its absence is a bug (exit 1), not a user error. */
export function answered<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the config service answered without ${what}`);
  return value;
}

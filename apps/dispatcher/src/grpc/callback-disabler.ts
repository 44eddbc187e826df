import { Metadata, type ChannelCredentials, type Interceptor, type ServiceError } from '@grpc/grpc-js';
import { Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackServiceClient, type UpdateCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';

/** Disables callbacks through the config service (a receiver answered 410 Gone). */
export class CallbackDisabler {
  private readonly client: CallbackServiceClient;
  private readonly metadata = new Metadata();

  /** `interceptors`: telemetry's client interceptor, a span and metrics per call. */
  constructor(address: string, channel: ChannelCredentials, token: string, interceptors: Interceptor[] = []) {
    this.client = new CallbackServiceClient(address, channel, { interceptors });
    this.metadata.set('authorization', `Bearer ${token}`);
  }

  /** Sets DISABLED_GONE with the reason; a few tries, as the config service may be restarting. */
  async disableGone(callbackId: string, reason: string): Promise<void> {
    const request = {
      callback: Callback.fromPartial({ id: callbackId, state: CallbackState.DISABLED_GONE, stateReason: reason }),
      updateMask: ['state', 'state_reason'],
      expectedRevision: 0,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await new Promise<UpdateCallbackResponse>((resolve, reject) =>
          this.client.updateCallback(request, this.metadata, { deadline: new Date(Date.now() + 10_000) }, (error: ServiceError | null, res) =>
            error ? reject(error) : resolve(res),
          ),
        );
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  close(): void {
    this.client.close();
  }
}

import { Metadata, type ChannelCredentials, type Interceptor, type ServiceError } from '@grpc/grpc-js';
import { CallbackState, type Callback } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackServiceClient, type ListCallbacksResponse } from '@callbacks/proto/callbacks/v1/callback_service';

const PAGE_SIZE = 1000;

/** Reads every callback of every account from the config service (an all-accounts token). */
export class ConfigServiceCallbackSource {
  private readonly client: CallbackServiceClient;
  private readonly metadata = new Metadata();

  constructor(
    address: string,
    /** Plain, or TLS (see configServiceCredentials). */
    channel: ChannelCredentials,
    token: string,
    /** Telemetry's client interceptor: a span and metrics per call. */
    interceptors: Interceptor[] = [],
    private readonly timeoutMs = 30_000,
  ) {
    this.client = new CallbackServiceClient(address, channel, { interceptors });
    this.metadata.set('authorization', `Bearer ${token}`);
  }

  async loadAll(): Promise<Callback[]> {
    const all: Callback[] = [];
    let pageToken = '';
    do {
      const page = await this.page(pageToken);
      all.push(...page.callbacks);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return all;
  }

  close(): void {
    this.client.close();
  }

  private page(pageToken: string): Promise<ListCallbacksResponse> {
    return new Promise((resolve, reject) =>
      this.client.listCallbacks(
        {
          accountId: '',
          databaseId: '',
          collectionId: '',
          state: CallbackState.UNSPECIFIED,
          labels: {},
          pageSize: PAGE_SIZE,
          pageToken,
        },
        this.metadata,
        { deadline: new Date(Date.now() + this.timeoutMs) },
        (error: ServiceError | null, response: ListCallbacksResponse) => (error ? reject(error) : resolve(response)),
      ),
    );
  }
}

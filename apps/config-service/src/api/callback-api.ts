import type { handleUnaryCall } from '@grpc/grpc-js';
import type { CallbackServiceServer } from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import type { CreateCallback } from '../callbacks/create-callback';
import type { DeleteCallback } from '../callbacks/delete-callback';
import type { GetCallback } from '../callbacks/get-callback';
import type { ListCallbacks } from '../callbacks/list-callbacks';
import type { RevealCallbackSecret } from '../callbacks/reveal-callback-secret';
import type { RotateCallbackSecret } from '../callbacks/rotate-callback-secret';
import type { TestCallback } from '../callbacks/test-callback';
import type { UpdateCallback } from '../callbacks/update-callback';
import type { GetDelivery } from '../deliveries/get-delivery';
import type { GetDeliveryStats } from '../deliveries/get-delivery-stats';
import type { ListDeliveries } from '../deliveries/list-deliveries';
import type { ReplayDeliveries } from '../deliveries/replay-deliveries';
import type { RequestRateLimit } from './request-rate-limit';

export interface CallbackUseCases {
  create: CreateCallback;
  get: GetCallback;
  list: ListCallbacks;
  update: UpdateCallback;
  delete: DeleteCallback;
  test: TestCallback;
  revealSecret: RevealCallbackSecret;
  rotateSecret: RotateCallbackSecret;
  listDeliveries: ListDeliveries;
  getDelivery: GetDelivery;
  replay: ReplayDeliveries;
  stats: GetDeliveryStats;
}

/** One CallbackService method as the transports call it: an authenticated caller and a decoded request. */
export type ApiMethod<Req, Res> = (principal: Principal, request: Req) => Promise<Res>;

/** Every CallbackService method by its name in ts-proto's service definition (`createCallback`). */
export type CallbackApi = {
  // (the generated interface also has grpc-js's index signature for untyped methods: left out)
  [M in keyof CallbackServiceServer as string extends M ? never : M]: CallbackServiceServer[M] extends handleUnaryCall<
    infer Req,
    infer Res
  >
    ? ApiMethod<Req, Res>
    : never;
};

/**
 * callbacks.v1.CallbackService's requests to use-cases and results back, for every transport
 * (gRPC, HTTP/JSON): the one place a method's request meets its use-case, and where each call
 * is counted against its caller's request rate, whichever transport it came by.
 */
export function callbackApi(useCases: CallbackUseCases, rateLimit: RequestRateLimit): CallbackApi {
  return limited(rateLimit, {
    createCallback: (principal, request) => useCases.create.execute(principal, request.callback),
    getCallback: async (principal, request) => ({ callback: await useCases.get.execute(principal, request.id) }),
    listCallbacks: (principal, request) => useCases.list.execute(principal, request),
    updateCallback: (principal, request) => useCases.update.execute(principal, request),
    deleteCallback: async (principal, request) => {
      await useCases.delete.execute(principal, request.id, request.expectedRevision);
      return {};
    },
    testCallback: (principal, request) => useCases.test.execute(principal, request),
    revealCallbackSecret: (principal, request) => useCases.revealSecret.execute(principal, request),
    rotateCallbackSecret: (principal, request) => useCases.rotateSecret.execute(principal, request),
    listDeliveries: (principal, request) => useCases.listDeliveries.execute(principal, request),
    getDelivery: async (principal, request) => ({
      delivery: await useCases.getDelivery.execute(principal, request.id),
    }),
    replayDeliveries: async (principal, request) => ({
      deliveryIds: await useCases.replay.execute(principal, request),
    }),
    getDeliveryStats: (principal, request) => useCases.stats.execute(principal, request),
  });
}

function limited(rateLimit: RequestRateLimit, api: CallbackApi): CallbackApi {
  const methods = Object.entries(api) as [keyof CallbackApi, ApiMethod<unknown, unknown>][];
  return Object.fromEntries(
    methods.map(([name, method]) => [
      name,
      async (principal: Principal, request: unknown) => {
        rateLimit.take(principal);
        return method(principal, request);
      },
    ]),
  ) as CallbackApi;
}

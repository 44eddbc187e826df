import { status, type handleUnaryCall, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { InvalidArgumentError } from '@callbacks/domain';
import type { Logger } from '@callbacks/logger';
import type { CallbackServiceServer } from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal, TokenAuthenticator } from '../auth/tokens';
import type { CreateCallback } from '../callbacks/create-callback';
import type { DeleteCallback } from '../callbacks/delete-callback';
import type { GetCallback } from '../callbacks/get-callback';
import type { ListCallbacks } from '../callbacks/list-callbacks';
import type { TestCallback } from '../callbacks/test-callback';
import type { UpdateCallback } from '../callbacks/update-callback';
import type { GetDelivery } from '../deliveries/get-delivery';
import type { ListDeliveries } from '../deliveries/list-deliveries';
import type { ReplayDeliveries } from '../deliveries/replay-deliveries';
import { authenticate } from './auth';
import { MalformedRequest } from './request-decoding';
import { toGrpcError } from './status';

export interface CallbackUseCases {
  create: CreateCallback;
  get: GetCallback;
  list: ListCallbacks;
  update: UpdateCallback;
  delete: DeleteCallback;
  test: TestCallback;
  listDeliveries: ListDeliveries;
  getDelivery: GetDelivery;
  replay: ReplayDeliveries;
}

/**
 * callbacks.v1.CallbackService: translates requests to use-cases and results back, nothing
 * more. Authentication, refusing undecodable requests and error mapping happen once, in `unary`.
 */
export function callbackService(deps: {
  useCases: CallbackUseCases;
  authenticator: TokenAuthenticator;
  log: Logger;
}): CallbackServiceServer {
  const { useCases, authenticator, log } = deps;

  function unary<Req, Res>(method: string, handle: (principal: Principal, request: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      let caller = 'anonymous';
      Promise.resolve()
        .then(() => {
          const principal = authenticate(authenticator, call.metadata);
          caller = principal.name;
          const request: unknown = call.request;
          if (request instanceof MalformedRequest) throw new InvalidArgumentError([request.violation]);
          return handle(principal, call.request);
        })
        .then(
          (response) => {
            log.debug({ method, caller, code: 'OK', ms: Math.round(performance.now() - started) }, 'rpc');
            callback(null, response);
          },
          (error: unknown) => {
            const { grpc, expected } = toGrpcError(error);
            const fields = { method, caller, code: status[grpc.code], ms: Math.round(performance.now() - started) };
            if (expected) log.info({ ...fields, error: grpc.details }, 'rpc failed');
            else log.error({ ...fields, err: error }, 'rpc failed unexpectedly');
            callback(grpc, null);
          },
        );
    };
  }

  return {
    createCallback: unary('CreateCallback', async (principal, request) => ({
      callback: await useCases.create.execute(principal, request.callback),
    })),
    getCallback: unary('GetCallback', async (principal, request) => ({
      callback: await useCases.get.execute(principal, request.id),
    })),
    listCallbacks: unary('ListCallbacks', (principal, request) => useCases.list.execute(principal, request)),
    updateCallback: unary('UpdateCallback', async (principal, request) => ({
      callback: await useCases.update.execute(principal, request),
    })),
    deleteCallback: unary('DeleteCallback', async (principal, request) => {
      await useCases.delete.execute(principal, request.id, request.expectedRevision);
      return {};
    }),
    testCallback: unary('TestCallback', (principal, request) => useCases.test.execute(principal, request)),
    listDeliveries: unary('ListDeliveries', (principal, request) => useCases.listDeliveries.execute(principal, request)),
    getDelivery: unary('GetDelivery', async (principal, request) => ({
      delivery: await useCases.getDelivery.execute(principal, request.id),
    })),
    replayDeliveries: unary('ReplayDeliveries', async (principal, request) => ({
      deliveryIds: await useCases.replay.execute(principal, request),
    })),
  };
}

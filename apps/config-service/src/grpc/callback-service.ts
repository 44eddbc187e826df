import { type handleUnaryCall, type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import { InvalidArgumentError } from '@callbacks/domain';
import type { Logger } from '@callbacks/logger';
import type { CallbackServiceServer } from '@callbacks/proto/callbacks/v1/callback_service';
import type { CallbackApi } from '../api/callback-api';
import type { Principal, TokenAuthenticator } from '../auth/tokens';
import { authenticate } from './auth';
import { MalformedRequest } from './request-decoding';
import { toGrpcError } from './status';

/**
 * callbacks.v1.CallbackService over gRPC: the methods of callbackApi, nothing more.
 * Authentication, refusing undecodable requests and error mapping happen once, in `unary`.
 */
export function callbackService(deps: {
  api: CallbackApi;
  authenticator: TokenAuthenticator;
  log: Logger;
}): CallbackServiceServer {
  const { api, authenticator, log } = deps;

  function unary<Req, Res>(
    method: string,
    handle: (principal: Principal, request: Req) => Promise<Res>,
  ): handleUnaryCall<Req, Res> {
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
    createCallback: unary('CreateCallback', api.createCallback),
    getCallback: unary('GetCallback', api.getCallback),
    listCallbacks: unary('ListCallbacks', api.listCallbacks),
    updateCallback: unary('UpdateCallback', api.updateCallback),
    deleteCallback: unary('DeleteCallback', api.deleteCallback),
    testCallback: unary('TestCallback', api.testCallback),
    revealCallbackSecret: unary('RevealCallbackSecret', api.revealCallbackSecret),
    rotateCallbackSecret: unary('RotateCallbackSecret', api.rotateCallbackSecret),
    listDeliveries: unary('ListDeliveries', api.listDeliveries),
    getDelivery: unary('GetDelivery', api.getDelivery),
    replayDeliveries: unary('ReplayDeliveries', api.replayDeliveries),
    getDeliveryStats: unary('GetDeliveryStats', api.getDeliveryStats),
  };
}

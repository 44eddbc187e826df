import { Server, ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { type CallbackServiceServer, CallbackServiceService } from '@callbacks/proto/callbacks/v1/callback_service';
import { fileDescriptorProtos, loadHealthDescriptorSet } from '@callbacks/proto/descriptor';
import { withStrictRequests } from './request-decoding';

export const CALLBACK_SERVICE_NAME = 'callbacks.v1.CallbackService';

export interface GrpcServer {
  server: Server;
  health: HealthImplementation;
  /** The bound port (useful with port 0). */
  port: number;
}

/**
 * The config service's gRPC server: CallbackService (requests decoded strictly, see
 * request-decoding), standard health checking
 * (grpc.health.v1) and server reflection (so grpcurl works without .proto files).
 * `interceptors`: telemetry's server interceptor, a span and metrics per call.
 */
/** A PEM certificate chain and its private key, to serve over TLS. */
export interface ServerTls {
  cert: string;
  key: string;
}

export async function startGrpcServer(
  address: string,
  implementation: CallbackServiceServer,
  interceptors: ServerInterceptor[] = [],
  tls?: ServerTls,
): Promise<GrpcServer> {
  const server = new Server({
    'grpc.keepalive_time_ms': 60_000,
    'grpc.max_receive_message_length': 4 << 20,
    interceptors,
  });
  server.addService(withStrictRequests(CallbackServiceService), implementation);

  const health = new HealthImplementation({ '': 'NOT_SERVING', [CALLBACK_SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(server);

  // Reflection reads only `fileDescriptorProtos` from a package definition. Both come straight
  // from buf: proto-loader's re-generated files lose the well-known-type imports (grpcurl then
  // cannot resolve google.protobuf.Duration) and name the health list's map entry wrongly.
  const format = 'Protocol Buffer 3 FileDescriptorProto';
  const definitions = {
    'grpc.health.v1': { format, fileDescriptorProtos: fileDescriptorProtos(loadHealthDescriptorSet()) },
    'callbacks.v1': { format, fileDescriptorProtos: fileDescriptorProtos() },
  } as unknown as PackageDefinition;
  new ReflectionService(definitions).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentialsFor(tls), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, health, port };
}

function credentialsFor(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    null,
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    false,
  );
}

export function setServing(health: HealthImplementation, serving: boolean): void {
  const state = serving ? 'SERVING' : 'NOT_SERVING';
  health.setStatus('', state);
  health.setStatus(CALLBACK_SERVICE_NAME, state);
}

/** Stops taking calls, lets in-flight ones finish (up to `graceMs`), then cuts the rest. */
export async function shutdownGrpcServer(server: Server, graceMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

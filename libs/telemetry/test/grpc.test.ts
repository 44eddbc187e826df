import {
  type Client,
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { grpcClientInterceptor, grpcServerInterceptor } from '../src/grpc';
import { recordSpans, spanNamed } from './recording';

const bytes = (buffer: Buffer) => buffer;
const ECHO: ServiceDefinition = {
  echo: {
    path: '/test.v1.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  },
};

const recording = recordSpans();
/** The span active in the handler, before and after it first waits. */
const seenByHandler: { before?: string; after?: string; traceparent?: string } = {};
let server: Server;
let client: Client & {
  echo: (request: Buffer, callback: (error: ServiceError | null, response?: Buffer) => void) => void;
};

beforeAll(async () => {
  server = new Server({ interceptors: [grpcServerInterceptor(recording.telemetry)] });
  server.addService(ECHO, {
    echo: (
      call: { request: Buffer; metadata: { get(key: string): unknown[] } },
      callback: (error: Partial<ServiceError> | null, response?: Buffer) => void,
    ) => {
      seenByHandler.before = trace.getActiveSpan()?.spanContext().spanId;
      seenByHandler.traceparent = String(call.metadata.get('traceparent')[0]);
      setTimeout(() => {
        seenByHandler.after = trace.getActiveSpan()?.spanContext().spanId;
        if (call.request.toString() === 'missing') callback({ code: status.NOT_FOUND, details: 'no such thing' });
        else callback(null, call.request);
      }, 1);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const EchoClient = makeGenericClientConstructor(ECHO, 'Echo');
  client = new EchoClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
    interceptors: [grpcClientInterceptor(recording.telemetry)],
  }) as unknown as typeof client;
});
afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await recording.stop();
});
beforeEach(() => recording.reset());

function echo(text: string): Promise<{ error: ServiceError | null; response?: Buffer }> {
  return new Promise((resolve) => client.echo(Buffer.from(text), (error, response) => resolve({ error, response })));
}

describe('gRPC interceptors', () => {
  it('make a client span under the caller, a server span under it, and run the handler inside the server span', async () => {
    const caller = recording.telemetry.tracer.startSpan('caller');
    const { error, response } = await context.with(trace.setSpan(context.active(), caller), () => echo('hello'));
    caller.end();
    expect(error).toBeNull();
    expect(response?.toString()).toBe('hello');

    const spans = recording.spans().filter((span) => span.name === 'test.v1.Echo/Echo');
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT)!;
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER)!;
    expect(clientSpan.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(seenByHandler.traceparent).toContain(clientSpan.spanContext().spanId);
    expect(seenByHandler.before).toBe(serverSpan.spanContext().spanId);
    expect(seenByHandler.after).toBe(serverSpan.spanContext().spanId);
    for (const span of [clientSpan, serverSpan]) {
      expect(span.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'test.v1.Echo',
        'rpc.method': 'Echo',
        'rpc.grpc.status_code': 0,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('record the status code: an error for the caller, the caller’s problem for the server', async () => {
    const { error } = await echo('missing');
    expect(error?.code).toBe(status.NOT_FOUND);
    const clientSpan = spanNamed(
      recording.spans().filter((span) => span.kind === SpanKind.CLIENT),
      'test.v1.Echo/Echo',
    );
    const serverSpan = spanNamed(
      recording.spans().filter((span) => span.kind === SpanKind.SERVER),
      'test.v1.Echo/Echo',
    );
    expect(clientSpan.attributes['rpc.grpc.status_code']).toBe(status.NOT_FOUND);
    expect(clientSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(clientSpan.attributes['error.type']).toBe('NOT_FOUND');
    expect(serverSpan.attributes['rpc.grpc.status_code']).toBe(status.NOT_FOUND);
    expect(serverSpan.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('count calls and time them by method and status code on both sides', async () => {
    const before = await recording.telemetry.metrics.getSingleMetricAsString('grpc_server_handled_total');
    await echo('again');
    await echo('missing');
    const text = await recording.telemetry.metrics.metrics();
    const count = (side: string, code: string) =>
      Number(
        new RegExp(
          `grpc_${side}_handled_total\\{grpc_service="test.v1.Echo",grpc_method="Echo",grpc_code="${code}"\\} (\\d+)`,
        ).exec(text)?.[1],
      );
    const countBefore = (code: string) => Number(new RegExp(`grpc_code="${code}"\\} (\\d+)`).exec(before)?.[1] ?? 0);
    expect(count('server', 'OK')).toBe(countBefore('OK') + 1);
    expect(count('server', 'NOT_FOUND')).toBe(countBefore('NOT_FOUND') + 1);
    expect(count('client', 'OK')).toBe(count('server', 'OK'));
    expect(text).toMatch(
      /grpc_server_handling_seconds_count\{grpc_service="test.v1.Echo",grpc_method="Echo",grpc_code="NOT_FOUND"\} \d+/,
    );
    expect(text).toMatch(
      /grpc_client_handling_seconds_bucket\{le="0.001",grpc_service="test.v1.Echo",grpc_method="Echo",grpc_code="OK"\} \d+/,
    );
  });
});

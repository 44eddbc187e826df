import {
  InterceptingCall,
  type Interceptor,
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptor,
  status as Status,
} from '@grpc/grpc-js';
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { Counter, Histogram, type Registry } from 'prom-client';
import { registeredOnce } from './metrics';
import { ATTR } from './semconv';
import { w3c } from './spans';
import type { Telemetry } from './telemetry';

/**
 * gRPC spans (RPC semantic conventions) and metrics, as grpc-js interceptors: a client span per
 * call whose W3C context travels in the metadata, a server span per call continuing it, and
 * request counts and latencies by method and status code on both sides. Interceptors are part of
 * grpc-js's public API, so this works whatever the module loader (see README "Observability").
 */

const metadataSetter: TextMapSetter<Metadata> = { set: (metadata, key, value) => metadata.set(key, value) };
const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const [value] = metadata.get(key);
    return typeof value === 'string' ? value : undefined;
  },
};

/** Probes and tooling, counted but not traced: a health check every few seconds is noise in a trace view. */
const UNTRACED_SERVICES = new Set([
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
]);

/** Status codes that make a server span an error (the rest are the client's problem). */
const SERVER_ERRORS = new Set([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Side = 'client' | 'server';

class RpcMetrics {
  private readonly handled: Counter;
  private readonly latency: Histogram;

  constructor(registry: Registry, side: Side) {
    const labelNames = ['grpc_service', 'grpc_method', 'grpc_code'];
    this.handled = registeredOnce(
      registry,
      `grpc_${side}_handled_total`,
      () =>
        new Counter({
          name: `grpc_${side}_handled_total`,
          help: `gRPC calls ${side === 'server' ? 'served' : 'made'}, by method and status code.`,
          labelNames,
          registers: [registry],
        }),
    );
    this.latency = registeredOnce(
      registry,
      `grpc_${side}_handling_seconds`,
      () =>
        new Histogram({
          name: `grpc_${side}_handling_seconds`,
          help: `How long gRPC calls ${side === 'server' ? 'took to serve' : 'took, as the caller saw it'}, by method and status code.`,
          labelNames,
          buckets: LATENCY_BUCKETS,
          registers: [registry],
        }),
    );
  }

  record(service: string, method: string, code: Status, startedAt: number): void {
    const labels = { grpc_service: service, grpc_method: method, grpc_code: Status[code] ?? String(code) };
    this.handled.inc(labels);
    this.latency.observe(labels, (performance.now() - startedAt) / 1000);
  }
}

function parsePath(path: string): { service: string; method: string } {
  const [, service = 'unknown', method = 'unknown'] = /^\/?([^/]+)\/([^/]+)$/.exec(path) ?? [];
  return { service, method };
}

function startRpcSpan(telemetry: Telemetry, kind: SpanKind, service: string, method: string, parent: Context): Span {
  return telemetry.tracer.startSpan(
    `${service}/${method}`,
    { kind, attributes: { [ATTR.rpcSystem]: 'grpc', [ATTR.rpcService]: service, [ATTR.rpcMethod]: method } },
    parent,
  );
}

function endRpcSpan(span: Span, side: Side, code: Status): void {
  span.setAttribute(ATTR.rpcGrpcStatusCode, code);
  if (side === 'client' ? code !== Status.OK : SERVER_ERRORS.has(code)) {
    span.setAttribute(ATTR.errorType, Status[code] ?? String(code));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** For a client (`new XClient(address, credentials, { interceptors: [grpcClientInterceptor(telemetry)] })`). */
export function grpcClientInterceptor(telemetry: Telemetry): Interceptor {
  const metrics = new RpcMetrics(telemetry.metrics, 'client');
  return (options, nextCall) => {
    const { service, method } = parsePath(options.method_definition.path);
    const startedAt = performance.now();
    const parent = context.active();
    const span = telemetry.tracing ? startRpcSpan(telemetry, SpanKind.CLIENT, service, method, parent) : undefined;
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        if (span) w3c.inject(trace.setSpan(parent, span), metadata, metadataSetter);
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            metrics.record(service, method, status.code, startedAt);
            if (span) endRpcSpan(span, 'client', status.code);
            nextStatus(status);
          },
        });
      },
    });
  };
}

/** For a server (`new Server({ interceptors: [grpcServerInterceptor(telemetry)] })`). */
export function grpcServerInterceptor(telemetry: Telemetry): ServerInterceptor {
  const metrics = new RpcMetrics(telemetry.metrics, 'server');
  return (descriptor, call) => {
    const { service, method } = parsePath(descriptor.path);
    const traced = telemetry.tracing && !UNTRACED_SERVICES.has(service);
    const startedAt = performance.now();
    let span: Span | undefined;
    let active: Context | undefined;
    let finished = false;
    const finish = (code: Status) => {
      if (finished) return;
      finished = true;
      metrics.record(service, method, code, startedAt);
      if (span) endRpcSpan(span, 'server', code);
    };
    // The handler runs inside these callbacks: with the span active there, what it does (database
    // calls, NATS publishes, log lines) belongs to the span.
    const within = (next: () => void) => (active ? context.with(active, next) : next());
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            if (traced) {
              const parent = w3c.extract(ROOT_CONTEXT, metadata, metadataGetter);
              span = startRpcSpan(telemetry, SpanKind.SERVER, service, method, parent);
              active = trace.setSpan(parent, span);
            }
            within(() => nextMetadata(metadata));
          },
          onReceiveMessage(message, nextMessage) {
            within(() => nextMessage(message));
          },
          onReceiveHalfClose(nextHalfClose) {
            within(nextHalfClose);
          },
          onCancel() {
            finish(Status.CANCELLED);
          },
        });
      },
      sendStatus(status, nextStatus) {
        finish(status.code ?? Status.UNKNOWN);
        nextStatus(status);
      },
    });
  };
}

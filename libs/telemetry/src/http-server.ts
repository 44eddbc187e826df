import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { Counter, Histogram } from 'prom-client';
import { registeredOnce } from './metrics';
import { ATTR } from './semconv';
import { w3c } from './spans';
import type { Telemetry } from './telemetry';

/**
 * The HTTP server side of what grpc.ts does for gRPC: a SERVER span per request (HTTP semantic
 * conventions, `<METHOD> <route>`) continuing the caller's W3C trace context, and request counts
 * and latencies by route and status code. Framework-free: the server hands it the method, the
 * headers, the matched route template and the status it answered.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const headersGetter: TextMapGetter<Headers> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One request being served. */
export interface ServerRequestTrace {
  /** Run the handler within this: what it does (database calls, publishes, log lines) belongs to the request's span. */
  within<T>(fn: () => T): T;
  /** The route template the request matched (`/v1/callbacks/{id}`), and the RPC it serves, once known. */
  route(template: string, rpc?: { service: string; method: string }): void;
  /** Ends the span and counts the request. Idempotent. */
  end(statusCode: number): void;
}

export interface HttpServerTelemetry {
  start(request: { method: string; path: string; headers: Headers }): ServerRequestTrace;
}

/** For an HTTP server: a span and metrics per request. `UNMATCHED` is the route of a request that matched none (bounded labels). */
export function httpServerTelemetry(telemetry: Telemetry): HttpServerTelemetry {
  const registry = telemetry.metrics;
  const labelNames = ['method', 'route', 'status_code'];
  const handled = registeredOnce(
    registry,
    'http_server_requests_total',
    () =>
      new Counter({
        name: 'http_server_requests_total',
        help: 'HTTP requests served, by method, route template and status code.',
        labelNames,
        registers: [registry],
      }),
  );
  const latency = registeredOnce(
    registry,
    'http_server_request_duration_seconds',
    () =>
      new Histogram({
        name: 'http_server_request_duration_seconds',
        help: 'How long HTTP requests took to serve, by method, route template and status code.',
        labelNames,
        buckets: LATENCY_BUCKETS,
        registers: [registry],
      }),
  );
  return {
    start({ method, path, headers }) {
      const startedAt = performance.now();
      let route = UNMATCHED;
      let span: Span | undefined;
      let active: Context | undefined;
      if (telemetry.tracing) {
        const parent = w3c.extract(ROOT_CONTEXT, headers, headersGetter);
        span = telemetry.tracer.startSpan(
          method,
          {
            kind: SpanKind.SERVER,
            attributes: { [ATTR.httpRequestMethod]: method, [ATTR.urlPath]: path, [ATTR.urlScheme]: 'http' },
          },
          parent,
        );
        active = trace.setSpan(parent, span);
      }
      let ended = false;
      return {
        within: (fn) => (active ? context.with(active, fn) : fn()),
        route(template, rpc) {
          route = template;
          span?.updateName(`${method} ${template}`);
          span?.setAttribute(ATTR.httpRoute, template);
          if (rpc) span?.setAttributes({ [ATTR.rpcService]: rpc.service, [ATTR.rpcMethod]: rpc.method });
        },
        end(statusCode) {
          if (ended) return;
          ended = true;
          const labels = { method, route, status_code: String(statusCode) };
          handled.inc(labels);
          latency.observe(labels, (performance.now() - startedAt) / 1000);
          if (!span) return;
          span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
          // HTTP conventions: a server span fails on a 5xx only (a 4xx is the client's problem).
          if (statusCode >= 500) {
            span.setAttribute(ATTR.errorType, String(statusCode));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
  };
}

export const UNMATCHED = 'unmatched';

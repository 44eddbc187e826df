import {
  type Context,
  context,
  defaultTextMapSetter,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR } from './semconv';
import { w3c } from './spans';
import type { Tracing } from './telemetry';

/** The client span of one outgoing HTTP request. */
export interface RequestTrace {
  /** `traceparent` (and `tracestate`) to send with the request: the receiver continues this trace. */
  readonly headers: Record<string, string>;
  /** Ends the span with the response status, or the class of error that prevented one. */
  end(result: { statusCode?: number; errorType?: string }): void;
}

/**
 * An HTTP client span (`POST`, kind CLIENT) following the HTTP semantic conventions. `url.full`
 * leaves out the query string, where callback URLs tend to carry tokens; user-info never
 * reaches it (an origin has none).
 */
export function startRequestSpan(tracer: Tracer, url: URL, parent: Context): RequestTrace {
  const scheme = url.protocol.replace(/:$/, '');
  const span = tracer.startSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR.httpRequestMethod]: 'POST',
        [ATTR.urlFull]: `${url.origin}${url.pathname}`,
        [ATTR.urlScheme]: scheme,
        [ATTR.serverAddress]: url.hostname.replace(/^\[|\]$/g, ''),
        [ATTR.serverPort]: url.port ? Number(url.port) : scheme === 'https' ? 443 : 80,
      },
    },
    parent,
  );
  const headers: Record<string, string> = {};
  w3c.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
  return {
    headers,
    end({ statusCode, errorType }) {
      if (statusCode !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
      // HTTP conventions: a client span fails on a 4xx or 5xx, or when there is no response.
      const failure = errorType ?? (statusCode !== undefined && statusCode >= 400 ? String(statusCode) : undefined);
      if (failure !== undefined) {
        span.setAttribute(ATTR.errorType, failure);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

/** A client span under the active span (a gRPC call's), or none with tracing off. */
export function traceActiveRequest(tracing: Tracing, url: URL): RequestTrace | undefined {
  return tracing.tracing ? startRequestSpan(tracing.tracer, url, context.active()) : undefined;
}

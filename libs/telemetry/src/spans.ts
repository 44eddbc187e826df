import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR } from './semconv';

/**
 * W3C trace context (`traceparent`, `tracestate`), the one format on every hop (SPEC §5, §7.1,
 * §9): used directly rather than through the global propagator, so it works the same whether
 * or not the SDK is running (OTEL_PROPAGATORS does not change the wire format).
 */
export const w3c = new W3CTraceContextPropagator();

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** Marks a span failed with the error's class and message (never its payload). */
export function markFailed(span: Span, error: unknown, type?: string): void {
  const name = type ?? (error instanceof Error ? error.name : 'Error');
  span.setAttribute(ATTR.errorType, name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { activeTraceFields, disabledTelemetry, type Telemetry } from '../src/telemetry';

/**
 * The SDK as services run it (global tracer provider, async-local context), exporting to memory:
 * for tests that look at the spans the library makes. One per test file (it registers globals).
 */
export function recordSpans(): { telemetry: Telemetry; spans(): ReadableSpan[]; reset(): void; stop(): Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  const telemetry: Telemetry = {
    ...disabledTelemetry('test'),
    tracing: true,
    tracer: trace.getTracer('test'),
    logFields: activeTraceFields,
  };
  return {
    telemetry,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: () => sdk.shutdown(),
  };
}

/** The one finished span with this name. */
export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1)
    throw new Error(`expected one span named ${name}, got ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

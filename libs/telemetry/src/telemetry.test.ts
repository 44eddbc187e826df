import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { disabledTelemetry, tracingConfigured } from './telemetry';

describe('tracingConfigured', () => {
  it('is on when the standard variables name an OTLP endpoint or an exporter', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none,otlp' })).toBe(true);
  });

  it('is off when nothing is configured, the exporter is none, or the SDK is disabled', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(
      tracingConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
    ).toBe(false);
    expect(tracingConfigured({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(
      false,
    );
    // Metrics-only settings do not turn tracing on.
    expect(
      tracingConfigured({ OTEL_SERVICE_NAME: 'matcher', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' }),
    ).toBe(false);
  });
});

describe('disabledTelemetry', () => {
  it('records nothing and adds nothing to log lines, even where the process registered a tracer provider', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    expect(trace.getTracer('other').startSpan('recorded').isRecording()).toBe(true); // the provider is in place
    const telemetry = disabledTelemetry('matcher');
    const span = telemetry.tracer.startSpan('x');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).not.toContain('x');
    expect(telemetry.logFields()).toEqual({});
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
  });
});

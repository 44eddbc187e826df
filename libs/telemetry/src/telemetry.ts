import {
  context,
  diag,
  type DiagLogger,
  DiagLogLevel,
  isSpanContextValid,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { Registry } from 'prom-client';
import type { Logger } from '@callbacks/logger';
import { ATTR } from './semconv';

type Env = Readonly<Record<string, string | undefined>>;

/** What a service records spans with: a real tracer only when `tracing` is on. */
export interface Tracing {
  /** Spans are recorded and exported over OTLP. Off: no spans, trace context is only passed on. */
  readonly tracing: boolean;
  readonly tracer: Tracer;
}

/** One service's telemetry: its tracer and its metrics registry. */
export interface Telemetry extends Tracing {
  readonly service: string;
  /** Every metric of the service; served on /metrics by `serveMetrics`. */
  readonly metrics: Registry;
  /** `trace_id` and `span_id` of the active span, for every log line (the logger's mixin). */
  logFields(): Record<string, unknown>;
  /** Exports the spans still buffered (a few seconds at most). Never throws. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * Whether spans should be exported: the standard variables name an exporter or an OTLP endpoint,
 * and `OTEL_SDK_DISABLED` is not true. Without any of them tracing is off and costs nothing.
 */
export function tracingConfigured(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return exporters.some((name) => name !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Sets up the OpenTelemetry Node SDK once per process, as the standard `OTEL_*` variables say
 * (exporter, endpoint, protocol, headers, sampler, resource attributes, batch sizes), or nothing
 * at all when they configure no trace exporter. Spans come from this library's NATS, gRPC,
 * MongoDB and HTTP helpers, not from module patching (see README "Observability"). Metrics go to
 * Prometheus (`serveMetrics`), logs to standard output: the SDK exports traces only. An exporter
 * that fails never affects the service; its problems are logged as warnings.
 */
export function startTelemetry(options: { service: string; version: string; log: Logger; env?: Env }): Telemetry {
  const env = options.env ?? process.env;
  const metrics = new Registry();
  if (!tracingConfigured(env)) return disabledTelemetry(options.service, metrics);

  if (!env.OTEL_LOG_LEVEL) diag.setLogger(diagToLog(options.log), DiagLogLevel.WARN);
  const sdk = new NodeSDK({
    // Variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) override these defaults.
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR.serviceName]: options.service, [ATTR.serviceVersion]: options.version }),
    ),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return {
    service: options.service,
    tracing: true,
    tracer: trace.getTracer('callbacks', options.version),
    metrics,
    logFields: activeTraceFields,
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref()));
      try {
        await Promise.race([sdk.shutdown(), timeout]);
      } catch (error) {
        options.log.warn({ err: error }, 'exporting the last spans failed');
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The telemetry hook of `runService`: `runService('matcher', load, start, serviceTelemetry(version))`. */
export function serviceTelemetry(version: string): (service: string, log: Logger) => Telemetry {
  return (service, log) => startTelemetry({ service, version, log });
}

/**
 * A tracer that never records, whatever tracer provider the process registers (a provider of its
 * own, never given a delegate, hands out no-op spans).
 */
const NO_OP_TRACER = new ProxyTracerProvider().getTracer('callbacks');

/** Telemetry that records no spans (in-process tests, benchmarks, or OTEL not configured). */
export function disabledTelemetry(service = 'callbacks', metrics = new Registry()): Telemetry {
  return {
    service,
    tracing: false,
    tracer: NO_OP_TRACER,
    metrics,
    logFields: () => ({}),
    shutdown: () => Promise.resolve(),
  };
}

/** The active span's ids, for log lines (`Telemetry.logFields` when tracing). */
export function activeTraceFields(): Record<string, unknown> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The SDK's own warnings and errors (an unreachable collector, a bad variable) as log lines of
 * their own: outside any span (an export runs in whichever context scheduled it), and with the
 * error's message rather than the serialized error the SDK hands over.
 */
function diagToLog(log: Logger): DiagLogger {
  const write =
    (level: 'warn' | 'error') =>
    (message: string, ...args: unknown[]) =>
      context.with(ROOT_CONTEXT, () =>
        log[level](
          {
            component: 'opentelemetry',
            problem: summary(message),
            detail: args.map((arg) => (arg instanceof Error ? arg.message : String(arg))),
          },
          'the OpenTelemetry SDK reported a problem',
        ),
      );
  const ignore = () => undefined;
  return { error: write('error'), warn: write('warn'), info: ignore, debug: ignore, verbose: ignore };
}

/** `{"stack":…,"message":"connect ECONNREFUSED …"}` → `connect ECONNREFUSED …`; other text as it is. */
function summary(message: string): string {
  return /"message":"((?:[^"\\]|\\.)*)"/.exec(message)?.[1] ?? message;
}

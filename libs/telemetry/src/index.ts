export {
  startTelemetry,
  serviceTelemetry,
  disabledTelemetry,
  tracingConfigured,
  type Telemetry,
  type Tracing,
} from './telemetry';
export { TELEMETRY_SETTINGS } from './settings';
export { NatsTracing, type MessageTrace, type OutgoingMessage, type ConsumedMessage } from './nats';
export { startRequestSpan, traceActiveRequest, type RequestTrace } from './http';
export { grpcClientInterceptor, grpcServerInterceptor } from './grpc';
export { httpServerTelemetry, type HttpServerTelemetry, type ServerRequestTrace } from './http-server';
export { traceMongoCommands } from './mongodb';
export { serveMetrics, type MetricsEndpoint } from './metrics-server';
export { Readiness, type ReadinessGap } from './health';
export { watchConsumers, type ConsumerRef } from './consumers';
export { countFrom, gaugeFrom, heaviest, registeredOnce, type Sample } from './metrics';

import { hostPort } from '@callbacks/config';

/** The telemetry settings every service has (the OTEL_* variables are read by the SDK itself). */
export const TELEMETRY_SETTINGS = {
  /** `host:port` serving Prometheus metrics on /metrics (port 0: any free port, logged); unset: no metrics endpoint. */
  metricsAddr: hostPort('METRICS_ADDR', { default: '' }),
};

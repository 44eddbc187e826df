import { countFrom, type Telemetry } from '@callbacks/telemetry';
import type { DeliveryLogStats } from './nats/attempt-result-consumer';

/** The config service's own metrics (gRPC calls are counted by the server interceptor), read at scrape time. */
export function registerConfigServiceMetrics(telemetry: Telemetry, deliveryLog: DeliveryLogStats): void {
  countFrom(
    telemetry.metrics,
    'callbacks_delivery_log_results_total',
    'Attempt results taken from the results stream, by what came of them: recorded, dropped (can never be recorded), retried (recording failed; it comes again).',
    ['result'],
    () => [
      { labels: { result: 'recorded' }, value: deliveryLog.recorded },
      { labels: { result: 'dropped' }, value: deliveryLog.dropped },
      { labels: { result: 'retried' }, value: deliveryLog.retried },
    ],
  );
}

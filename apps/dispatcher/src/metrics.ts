import { Histogram } from 'prom-client';
import { countFrom, gaugeFrom, heaviest, type Sample, type Telemetry } from '@callbacks/telemetry';
import type { AttemptOutcome } from './delivery/attempt';
import type { Deliverer } from './delivery/deliverer';

const OTHER_ENDPOINTS = 'other';
const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

/**
 * The dispatcher's metrics. Counts and endpoint states are read at scrape time from the
 * deliverer (nothing per job); only the attempt latency is observed per attempt. Endpoint labels
 * are bounded: the `topEndpoints` busiest endpoints by name, the rest summed as `other`.
 */
export class DispatcherMetrics {
  private readonly attemptDuration: Histogram;

  constructor(
    private readonly telemetry: Telemetry,
    private readonly topEndpoints: number,
  ) {
    this.attemptDuration = new Histogram({
      name: 'callbacks_dispatcher_attempt_duration_seconds',
      help: 'How long delivery attempts took, from sending the request to the end of the response, by result: succeeded, gone, or the error class (http_status, timeout, connect_refused, ...).',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers: [telemetry.metrics],
    });
  }

  /** One attempt done (one that never reached the network, a signing failure, is not timed). */
  attempted(outcome: AttemptOutcome): void {
    if (outcome.errorClass === 'signing') return;
    const result = outcome.verdict === 'failed' ? outcome.errorClass : outcome.verdict;
    this.attemptDuration.observe({ result }, outcome.durationMs / 1000);
  }

  /** The deliverer's counts and endpoint states, read at every scrape. */
  watch(deliverer: Deliverer): void {
    const registry = this.telemetry.metrics;
    const topEndpoints = this.topEndpoints;
    const { stats } = deliverer;
    countFrom(registry, 'callbacks_dispatcher_attempts_total', 'Delivery attempts started (HTTP requests to receivers).', [], () => stats.attempts);
    countFrom(registry, 'callbacks_dispatcher_deliveries_total', 'Delivery jobs settled, by outcome: succeeded, retrying (next attempt scheduled), dead, gone (410), skipped (callback disabled), deferred (endpoint busy or its breaker open).', ['outcome'], () => [
      { labels: { outcome: 'succeeded' }, value: stats.succeeded },
      { labels: { outcome: 'retrying' }, value: stats.retrying },
      { labels: { outcome: 'dead' }, value: stats.dead },
      { labels: { outcome: 'gone' }, value: stats.gone },
      { labels: { outcome: 'skipped' }, value: stats.skipped },
      { labels: { outcome: 'deferred' }, value: stats.deferred },
    ]);
    countFrom(registry, 'callbacks_dispatcher_record_failures_total', 'Attempts whose outcome could not be published (the job comes again).', [], () => stats.failures);
    gaugeFrom(registry, 'callbacks_dispatcher_held_jobs', 'Jobs this instance holds: queued behind endpoint limits or in flight.', [], () => deliverer.heldCount);

    const endpoints = () => {
      const states = deliverer.endpointStates();
      const { top, rest } = heaviest(states, topEndpoints, (e) => e.active + e.queued);
      const sum = (pick: (e: (typeof states)[number]) => number) => rest.reduce((total, e) => total + pick(e), 0);
      return { states, top, rest, sum };
    };
    const perEndpoint = (pick: (e: { active: number; queued: number }) => number) => (): Sample[] => {
      const { top, rest, sum } = endpoints();
      const samples: Sample[] = top.map((e) => ({ labels: { endpoint: e.endpoint }, value: pick(e) }));
      if (rest.length > 0) samples.push({ labels: { endpoint: OTHER_ENDPOINTS }, value: sum(pick) });
      return samples;
    };
    gaugeFrom(registry, 'callbacks_dispatcher_endpoint_in_flight', `Requests in flight per endpoint (URL origin): the ${topEndpoints} busiest by name, the rest as "other".`, ['endpoint'], perEndpoint((e) => e.active));
    gaugeFrom(registry, 'callbacks_dispatcher_endpoint_queued', `Jobs waiting per endpoint for its concurrency or rate limit: the ${topEndpoints} busiest by name, the rest as "other".`, ['endpoint'], perEndpoint((e) => e.queued));
    gaugeFrom(registry, 'callbacks_dispatcher_endpoints', 'Endpoints this instance tracks, by circuit breaker state (closed, open, half_open).', ['breaker'], () => {
      const { states } = endpoints();
      return BREAKER_STATES.map((breaker) => ({ labels: { breaker }, value: states.filter((e) => e.breaker === breaker).length }));
    });
  }
}

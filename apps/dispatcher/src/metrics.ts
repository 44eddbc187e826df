import { Histogram } from 'prom-client';
import { countFrom, gaugeFrom, heaviest, type Sample, type Telemetry } from '@callbacks/telemetry';
import type { AttemptOutcome } from './delivery/attempt';
import { DEFER_REASONS } from './delivery/deferrals';
import type { Deliverer, EndpointState } from './delivery/deliverer';

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
    countFrom(
      registry,
      'callbacks_dispatcher_attempts_total',
      'Delivery attempts started (HTTP requests to receivers).',
      [],
      () => stats.attempts,
    );
    countFrom(
      registry,
      'callbacks_dispatcher_deliveries_total',
      'Delivery jobs settled, by outcome: succeeded, retrying (next attempt scheduled), dead, gone (410), skipped (callback disabled), deferred (endpoint busy or its breaker open).',
      ['outcome'],
      () => [
        { labels: { outcome: 'succeeded' }, value: stats.succeeded },
        { labels: { outcome: 'retrying' }, value: stats.retrying },
        { labels: { outcome: 'dead' }, value: stats.dead },
        { labels: { outcome: 'gone' }, value: stats.gone },
        { labels: { outcome: 'skipped' }, value: stats.skipped },
        { labels: { outcome: 'deferred' }, value: stats.deferred },
      ],
    );
    countFrom(
      registry,
      'callbacks_dispatcher_record_failures_total',
      'Attempts whose outcome could not be published (the job comes again).',
      [],
      () => stats.failures,
    );
    gaugeFrom(
      registry,
      'callbacks_dispatcher_held_jobs',
      'Jobs this instance holds: queued behind endpoint limits or in flight.',
      [],
      () => deliverer.heldCount,
    );

    // The busiest endpoints by name: those with the most jobs in flight, queued or given back.
    const endpoints = () => {
      const states = deliverer.endpointStates();
      const { top, rest } = heaviest(states, topEndpoints, (e) => e.active + e.queued + (e.deferred?.count ?? 0));
      const sum = (pick: (e: EndpointState) => number) => rest.reduce((total, e) => total + pick(e), 0);
      return { states, top, rest, sum };
    };
    const perEndpoint = (pick: (e: EndpointState) => number) => (): Sample[] => {
      const { top, rest, sum } = endpoints();
      const samples: Sample[] = top.map((e) => ({ labels: { endpoint: e.endpoint }, value: pick(e) }));
      if (rest.length > 0) samples.push({ labels: { endpoint: OTHER_ENDPOINTS }, value: sum(pick) });
      return samples;
    };
    gaugeFrom(
      registry,
      'callbacks_dispatcher_endpoint_in_flight',
      `Requests in flight per endpoint (URL origin): the ${topEndpoints} busiest by name, the rest as "other".`,
      ['endpoint'],
      perEndpoint((e) => e.active),
    );
    gaugeFrom(
      registry,
      'callbacks_dispatcher_endpoint_queued',
      `Jobs waiting per endpoint for its concurrency or rate limit: the ${topEndpoints} busiest by name, the rest as "other".`,
      ['endpoint'],
      perEndpoint((e) => e.queued),
    );
    countFrom(
      registry,
      'callbacks_dispatcher_endpoint_deferrals_total',
      `Jobs given back to the stream instead of attempted, per endpoint and reason: queue_full, breaker_open, stalled, rate_limit. The ${topEndpoints} busiest endpoints by name, the rest as "other"; an endpoint's count starts again when this instance forgets it.`,
      ['endpoint', 'reason'],
      () => {
        const { top, rest, sum } = endpoints();
        const named = top.map((e) => ({
          endpoint: e.endpoint,
          count: (reason: (typeof DEFER_REASONS)[number]) => e.deferrals[reason],
        }));
        if (rest.length > 0)
          named.push({ endpoint: OTHER_ENDPOINTS, count: (reason) => sum((e) => e.deferrals[reason]) });
        return named.flatMap(({ endpoint, count }) =>
          DEFER_REASONS.map((reason) => ({ labels: { endpoint, reason }, value: count(reason) })),
        );
      },
    );
    gaugeFrom(
      registry,
      'callbacks_dispatcher_endpoint_deferred',
      `Jobs given back per endpoint that are not due yet (waiting as schedules in the stream): the ${topEndpoints} busiest by name, the rest as "other".`,
      ['endpoint'],
      perEndpoint((e) => e.deferred?.count ?? 0),
    );
    gaugeFrom(
      registry,
      'callbacks_dispatcher_endpoint_deferred_due_timestamp_seconds',
      `When the earliest and latest job given back per endpoint and not due yet is due (unix seconds, to the second), for endpoints with such jobs: the ${topEndpoints} busiest by name, the rest as "other".`,
      ['endpoint', 'due'],
      () => {
        const { top, rest } = endpoints();
        const waiting = (states: EndpointState[]) => states.flatMap((e) => (e.deferred ? [e.deferred] : []));
        const groups = [
          ...top.map((e) => ({ endpoint: e.endpoint, deferred: waiting([e]) })),
          { endpoint: OTHER_ENDPOINTS, deferred: waiting(rest) },
        ];
        return groups
          .filter((g) => g.deferred.length > 0)
          .flatMap(({ endpoint, deferred }) => [
            { labels: { endpoint, due: 'earliest' }, value: Math.min(...deferred.map((d) => d.earliest)) / 1000 },
            { labels: { endpoint, due: 'latest' }, value: Math.max(...deferred.map((d) => d.latest)) / 1000 },
          ]);
      },
    );
    gaugeFrom(
      registry,
      'callbacks_dispatcher_endpoints',
      'Endpoints this instance tracks, by circuit breaker state (closed, open, half_open).',
      ['breaker'],
      () => {
        const { states } = endpoints();
        return BREAKER_STATES.map((breaker) => ({
          labels: { breaker },
          value: states.filter((e) => e.breaker === breaker).length,
        }));
      },
    );
  }
}

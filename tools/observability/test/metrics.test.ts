import { status } from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileEventPublisher, SUBJECTS } from '@callbacks/messaging';
import { System } from '@callbacks/system';
import { NatsTracing } from '@callbacks/telemetry';
import { auth, callFails, sampleCallback, sampleEvent, TestReceiver } from '@callbacks/testing';
import { hasSample, sampleValue, scrape, scrapeUntil } from '../src';

/**
 * SPEC §9 metrics: each service serves /metrics on its own port; after traffic of every kind
 * (a success, a retry that dies, a 410, hanging endpoints, an undecodable event, gRPC errors)
 * the counters have moved and the gauges describe what is in hand. The services do not trace
 * here (no OTEL_* variables), so this also shows the trace context passing through untraced
 * services to the receiver.
 */

let receiver: TestReceiver;
/** Two endpoints that never answer, so requests are in flight while the metrics are read. */
let busy: TestReceiver;
let quiet: TestReceiver;
let system: System;
const ports: Record<'config' | 'matcher' | 'dispatcher', number> = { config: 0, matcher: 0, dispatcher: 0 };
const before: Record<keyof typeof ports, string> = { config: '', matcher: '', dispatcher: '' };

beforeAll(async () => {
  receiver = await TestReceiver.start();
  receiver.answer('/fail', () => 500);
  receiver.answer('/gone', () => 410);
  busy = await TestReceiver.start();
  busy.answer('/hang', () => 'hang');
  quiet = await TestReceiver.start();
  quiet.answer('/hang', () => 'hang');
  system = await System.start({
    env: {
      METRICS_ADDR: '127.0.0.1:0',
      DISPATCHER_METRICS_ENDPOINTS: '1',
      DISPATCHER_TIMEOUT: '60s',
      DISPATCHER_RETRY_SCHEDULE: '1s',
      DISPATCHER_RETRY_JITTER: '0',
    },
    prepare: async (started) => {
      const route = (databaseId: string, url: string) =>
        started.createCallback(sampleCallback({ databaseId, url, actions: [], triggers: [] }));
      await route('ok', receiver.url('/ok'));
      await route('fail', receiver.url('/fail'));
      await route('gone', receiver.url('/gone'));
      await route('busy', busy.url('/hang'));
      await route('quiet', quiet.url('/hang'));
    },
  });
  ports.config = await system.metricsPort(system.config);
  ports.matcher = await system.metricsPort(system.matcher);
  ports.dispatcher = await system.metricsPort(system.dispatcher);
  for (const service of ['config', 'matcher', 'dispatcher'] as const) before[service] = await scrape(ports[service]);
});
afterAll(async () => {
  // Hanging requests fail at once, so the dispatcher stops without waiting for them.
  await busy?.close();
  await quiet?.close();
  await system?.close();
  await receiver?.close();
});

const moved = (service: keyof typeof ports, after: string, name: string, labels: Record<string, string> = {}) =>
  sampleValue(after, name, labels) - sampleValue(before[service], name, labels);

describe('metrics after traffic', () => {
  it('count events, deliveries by outcome, attempt latencies, endpoints, consumers, gRPC calls and HTTP requests', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = new NatsTracing({
      tracing: true,
      tracer: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer(
        'crm-publisher',
      ),
    });
    const publisher = new ProfileEventPublisher(system.nc, { tracing });
    for (const databaseId of ['ok', 'fail', 'gone', 'busy', 'busy', 'quiet'])
      await publisher.publish(sampleEvent({ databaseId }));
    const undecodable = natsHeaders();
    undecodable.set('Content-Type', 'application/json');
    await jetstream(system.nc).publish(SUBJECTS.event('acct-a', 'ok', 'profile', 'update'), 'not json', {
      headers: undecodable,
    });
    const missing = await callFails(
      system.client.getCallback.bind(system.client),
      { id: 'cb_missing' },
      auth(system.token),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    const httpMissing = await fetch(`${system.httpUrl}/v1/callbacks/cb_missing`, {
      headers: { authorization: `Bearer ${system.token}` },
    });
    expect(httpMissing.status).toBe(404);

    const [ok] = await receiver.waitFor('/ok', 1);
    await receiver.waitFor('/fail', 2);
    await busy.waitFor('/hang', 2);
    await quiet.waitFor('/hang', 1);
    // The services trace nothing here, yet the publisher's trace context reached the receiver.
    const published = exporter.getFinishedSpans().find((span) => span.name.startsWith('publish'))!;
    expect(ok!.headers.traceparent).toBe(`00-${published.spanContext().traceId}-${published.spanContext().spanId}-01`);

    const matcher = await scrapeUntil(
      ports.matcher,
      (text) => moved('matcher', text, 'callbacks_matcher_events_dead_lettered_total') === 1,
    );
    expect(moved('matcher', matcher, 'callbacks_matcher_events_consumed_total')).toBe(7);
    expect(moved('matcher', matcher, 'callbacks_matcher_events_matched_total')).toBe(6);
    expect(moved('matcher', matcher, 'callbacks_matcher_jobs_total')).toBe(6);
    expect(sampleValue(matcher, 'callbacks_matcher_callbacks')).toBe(5);
    expect(sampleValue(matcher, 'callbacks_matcher_bucket_revision')).toBeGreaterThanOrEqual(5);
    expect(
      hasSample(matcher, 'callbacks_consumer_pending_messages', { stream: 'CALLBACK_EVENTS', consumer: 'matcher' }),
    ).toBe(true);
    expect(hasSample(matcher, 'process_cpu_seconds_total')).toBe(true);

    const dispatcher = await scrapeUntil(ports.dispatcher, (text) =>
      ['succeeded', 'dead', 'gone'].every(
        (outcome) => moved('dispatcher', text, 'callbacks_dispatcher_deliveries_total', { outcome }) === 1,
      ),
    );
    expect(moved('dispatcher', dispatcher, 'callbacks_dispatcher_deliveries_total', { outcome: 'retrying' })).toBe(1);
    expect(moved('dispatcher', dispatcher, 'callbacks_dispatcher_attempts_total')).toBe(7);
    expect(
      moved('dispatcher', dispatcher, 'callbacks_dispatcher_attempt_duration_seconds_count', { result: 'succeeded' }),
    ).toBe(1);
    expect(
      moved('dispatcher', dispatcher, 'callbacks_dispatcher_attempt_duration_seconds_count', { result: 'http_status' }),
    ).toBe(2);
    expect(
      moved('dispatcher', dispatcher, 'callbacks_dispatcher_attempt_duration_seconds_count', { result: 'gone' }),
    ).toBe(1);
    // Bounded labels: the busiest endpoint by name, the other one as "other".
    expect(
      sampleValue(dispatcher, 'callbacks_dispatcher_endpoint_in_flight', { endpoint: `http://127.0.0.1:${busy.port}` }),
    ).toBe(2);
    expect(sampleValue(dispatcher, 'callbacks_dispatcher_endpoint_in_flight', { endpoint: 'other' })).toBe(1);
    expect(dispatcher).not.toContain(`127.0.0.1:${quiet.port}`);
    expect(sampleValue(dispatcher, 'callbacks_dispatcher_endpoint_queued', { endpoint: 'other' })).toBe(0);
    expect(sampleValue(dispatcher, 'callbacks_dispatcher_endpoints', { breaker: 'closed' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(dispatcher, 'callbacks_dispatcher_held_jobs')).toBeGreaterThanOrEqual(3);
    // The dispatcher calls no gRPC service: a 410 is the config service's decision, from the result.
    expect(hasSample(dispatcher, 'grpc_client_handled_total')).toBe(false);
    expect(
      hasSample(dispatcher, 'callbacks_consumer_ack_pending_messages', {
        stream: 'CALLBACK_DELIVERIES',
        consumer: 'dispatcher',
      }),
    ).toBe(true);

    // Consumer info is polled every few seconds; the delivery log's consumer exists once the
    // database is ready, after the metrics endpoint: the gauge appears with the next poll.
    const config = await scrapeUntil(
      ports.config,
      (text) =>
        moved('config', text, 'callbacks_delivery_log_results_total', { result: 'recorded' }) >= 4 &&
        hasSample(text, 'callbacks_consumer_pending_messages', {
          stream: 'CALLBACK_RESULTS',
          consumer: 'delivery-log',
        }),
    );
    expect(
      moved('config', config, 'grpc_server_handled_total', { grpc_method: 'GetCallback', grpc_code: 'NOT_FOUND' }),
    ).toBe(1);
    // The 410 disabled its callback inside the config service, as its result was recorded: no call.
    expect(
      moved('config', config, 'grpc_server_handled_total', { grpc_method: 'UpdateCallback', grpc_code: 'OK' }),
    ).toBe(0);
    expect(sampleValue(config, 'grpc_server_handled_total', { grpc_method: 'CreateCallback', grpc_code: 'OK' })).toBe(
      5,
    );
    expect(
      sampleValue(config, 'grpc_server_handling_seconds_count', { grpc_method: 'CreateCallback', grpc_code: 'OK' }),
    ).toBe(5);
    // The HTTP/JSON API counts by route template, not by path: ids never become labels.
    const notFound = { method: 'GET', route: '/v1/callbacks/{id}', status_code: '404' };
    expect(moved('config', config, 'http_server_requests_total', notFound)).toBe(1);
    expect(moved('config', config, 'http_server_request_duration_seconds_count', notFound)).toBe(1);
    expect(config).not.toContain('cb_missing');
  });
});

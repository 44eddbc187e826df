import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileEventPublisher, SUBJECT_TEMPLATES } from '@callbacks/messaging';
import { System } from '@callbacks/system';
import { NatsTracing } from '@callbacks/telemetry';
import { auth, call, sampleCallback, sampleEvent, TestReceiver } from '@callbacks/testing';
import { type ExportedSpan, OtlpReceiver, SPAN_KIND } from '../src';

/**
 * SPEC §9: one trace per event across every hop. The three services run as processes exporting
 * OTLP/JSON to a receiver this test runs; the event is published with the typed publisher by a
 * traced publisher (this test), and the receiver's first answer is a 503 so that a retry is in
 * the trace too.
 */

const exporter = new InMemorySpanExporter();
const publisherTracing = new NatsTracing({
  tracing: true,
  tracer: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('crm-publisher'),
});

let otlp: OtlpReceiver;
let receiver: TestReceiver;
let system: System;

beforeAll(async () => {
  otlp = await OtlpReceiver.start();
  receiver = await TestReceiver.start();
  receiver.answer('/hook', (nth) => (nth === 1 ? 503 : 200));
  system = await System.start({
    env: {
      DISPATCHER_RETRY_SCHEDULE: '1s',
      DISPATCHER_RETRY_JITTER: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    prepare: async (started) => {
      await started.createCallback(sampleCallback({ url: receiver.url('/hook'), actions: [], triggers: [] }));
    },
  });
});
afterAll(async () => {
  await system?.close();
  await receiver?.close();
  await otlp?.close();
});

const PROCESS_EVENT = `process ${SUBJECT_TEMPLATES.event}`;
const PUBLISH_JOB = `publish ${SUBJECT_TEMPLATES.deliveryJob}`;
const PROCESS_JOB = `process ${SUBJECT_TEMPLATES.deliveryJob}`;
const PUBLISH_RETRY = `publish ${SUBJECT_TEMPLATES.retrySchedule}`;
const PUBLISH_RESULT = `publish ${SUBJECT_TEMPLATES.attemptResult}`;
const PROCESS_RESULT = `process ${SUBJECT_TEMPLATES.attemptResult}`;
const RECORD_BATCH = 'record attempt results';

/** The batch span that recorded `processed` (linked to it), once it and its database calls are in. */
function recordingBatch(all: readonly ExportedSpan[], processed: ExportedSpan): ExportedSpan | undefined {
  const batch = all.find(
    (span) => span.name === RECORD_BATCH && span.links.some((link) => link.spanId === processed.spanId),
  );
  return batch && childrenOf(all, batch).length > 0 ? batch : undefined;
}

function named(spans: readonly ExportedSpan[], service: string, name: string): ExportedSpan[] {
  return spans.filter((span) => span.service === service && span.name === name);
}

function childrenOf(spans: readonly ExportedSpan[], parent: ExportedSpan): ExportedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId);
}

describe('one trace per event', () => {
  it('publish → matcher → job → dispatcher → POST, with the retry and the delivery log in the same trace', async () => {
    const event = sampleEvent();
    await new ProfileEventPublisher(system.nc, { tracing: publisherTracing }).publish(event);
    const [published] = exporter.getFinishedSpans();
    expect(published?.name).toBe(`publish ${SUBJECT_TEMPLATES.event}`);
    const traceId = published!.spanContext().traceId;

    const webhooks = await receiver.waitFor('/hook', 2);
    const all = await otlp.waitFor((spans) => {
      const mine = spans.filter((span) => span.traceId === traceId);
      return (
        named(mine, 'matcher', PUBLISH_JOB).length === 1 &&
        named(mine, 'dispatcher', PROCESS_JOB).length === 2 &&
        named(mine, 'config-service', PROCESS_RESULT).length === 2 &&
        named(mine, 'config-service', PROCESS_RESULT).every((processed) => recordingBatch(spans, processed))
      );
    });
    const spans = all.filter((span) => span.traceId === traceId);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['matcher', 'dispatcher', 'config-service']));

    // The matcher continues the publisher's span, and the job continues the matcher's.
    const [matching] = named(spans, 'matcher', PROCESS_EVENT);
    expect(matching).toMatchObject({ kind: SPAN_KIND.consumer, parentSpanId: published!.spanContext().spanId });
    expect(matching!.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'matcher',
      'messaging.message.id': event.eventId,
      'callbacks.event.id': event.eventId,
      'callbacks.event.matched_callbacks': 1,
    });
    const [jobPublished] = named(spans, 'matcher', PUBLISH_JOB);
    expect(jobPublished).toMatchObject({ kind: SPAN_KIND.producer, parentSpanId: matching!.spanId });
    const deliveryId = jobPublished!.attributes['messaging.message.id'];

    // Attempt 1 (503) schedules attempt 2, which continues from that schedule: one delivery, one trace.
    const attempts = named(spans, 'dispatcher', PROCESS_JOB).sort(
      (a, b) => Number(a.attributes['callbacks.delivery.attempt']) - Number(b.attributes['callbacks.delivery.attempt']),
    );
    const [first, second] = attempts;
    expect(first).toMatchObject({ kind: SPAN_KIND.consumer, parentSpanId: jobPublished!.spanId });
    expect(first!.attributes).toMatchObject({
      'callbacks.delivery.id': deliveryId,
      'callbacks.delivery.attempt': 1,
      'callbacks.delivery.outcome': 'RETRYING',
    });
    const [retry] = named(childrenOf(spans, first!), 'dispatcher', PUBLISH_RETRY);
    expect(retry).toMatchObject({ kind: SPAN_KIND.producer });
    expect(second).toMatchObject({ parentSpanId: retry!.spanId });
    expect(second!.attributes).toMatchObject({
      'callbacks.delivery.id': deliveryId,
      'callbacks.delivery.attempt': 2,
      'callbacks.delivery.outcome': 'SUCCEEDED',
    });

    // Each attempt's POST is a client span, and the receiver saw its context in `traceparent`.
    for (const [attempt, status, webhook] of [
      [first!, 503, webhooks[0]!],
      [second!, 200, webhooks[1]!],
    ] as const) {
      const [post] = named(childrenOf(spans, attempt), 'dispatcher', 'POST');
      expect(post).toMatchObject({ kind: SPAN_KIND.client, status: status >= 400 ? 2 : 0 });
      expect(post!.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.response.status_code': status,
        'url.full': receiver.url('/hook'),
      });
      expect(webhook.headers.traceparent).toBe(`00-${traceId}-${post!.spanId}-01`);
    }

    // Both results reach the delivery log in the same trace; the batch that recorded each links
    // to it and has the database calls under it.
    for (const attempt of attempts) {
      const [reported] = named(childrenOf(spans, attempt), 'dispatcher', PUBLISH_RESULT);
      const [recorded] = named(childrenOf(spans, reported!), 'config-service', PROCESS_RESULT);
      expect(recorded).toMatchObject({ kind: SPAN_KIND.consumer });
      expect(recorded!.attributes['messaging.consumer.group.name']).toBe('delivery-log');
      const batch = recordingBatch(all, recorded!);
      expect(batch).toMatchObject({ service: 'config-service', kind: SPAN_KIND.internal });
      expect(batch!.attributes['messaging.batch.message_count']).toBeGreaterThanOrEqual(1);
      const database = childrenOf(all, batch!);
      expect(database.length).toBeGreaterThan(0);
      for (const call of database) {
        expect(call).toMatchObject({ service: 'config-service', kind: SPAN_KIND.client });
        expect(call.attributes['db.system.name']).toBe('mongodb');
      }
    }
  });

  it('shows no gRPC call from the matcher: its callbacks come from the bucket, over NATS', async () => {
    const spans = await otlp.waitFor((all) => named(all, 'matcher', PUBLISH_JOB).length > 0);
    expect(spans.filter((span) => span.service === 'matcher' && span.attributes['rpc.system'] !== undefined)).toEqual(
      [],
    );
  });

  it('makes a TestCallback send a client span of the call, continued by the receiver', async () => {
    const request = {
      target: {
        $case: 'callback' as const,
        value: sampleCallback({ url: receiver.url('/tested'), actions: [], triggers: [] }),
      },
      event: sampleEvent(),
      send: true,
    };
    const tested = await call(system.client.testCallback.bind(system.client), request, auth(system.token));
    expect(tested.sent?.statusCode).toBe(200);
    const [webhook] = await receiver.waitFor('/tested', 1);
    const spans = await otlp.waitFor((all) =>
      all.some((span) => span.name === 'callbacks.v1.CallbackService/TestCallback'),
    );
    const [server] = named(spans, 'config-service', 'callbacks.v1.CallbackService/TestCallback');
    const [post] = named(childrenOf(spans, server!), 'config-service', 'POST');
    expect(post).toMatchObject({ kind: SPAN_KIND.client, traceId: server!.traceId });
    expect(post!.attributes['http.response.status_code']).toBe(200);
    expect(webhook!.headers.traceparent).toBe(`00-${server!.traceId}-${post!.spanId}-01`);
  });

  it('continues traces over HTTP/JSON: a request with a traceparent is a SERVER span down to the database', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const response = await fetch(`${system.httpUrl}/v1/callbacks?pageSize=1`, {
      headers: { authorization: `Bearer ${system.token}`, traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(response.status).toBe(200);
    const spans = await otlp.waitFor((all) =>
      all.some((span) => span.traceId === traceId && span.name === 'GET /v1/callbacks'),
    );
    const [server] = spans.filter((span) => span.traceId === traceId && span.name === 'GET /v1/callbacks');
    expect(server).toMatchObject({ service: 'config-service', kind: SPAN_KIND.server, parentSpanId: parentId });
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/callbacks',
      'http.response.status_code': 200,
      'rpc.service': 'callbacks.v1.CallbackService',
      'rpc.method': 'ListCallbacks',
    });
    expect(childrenOf(spans, server!).map((span) => span.attributes['db.collection.name'])).toContain('callbacks');
  });

  it('never costs a delivery when the trace collector goes away: the services warn and carry on', async () => {
    await otlp.close();
    await new ProfileEventPublisher(system.nc, { tracing: publisherTracing }).publish(sampleEvent());
    const [third] = (await receiver.waitFor('/hook', 3)).slice(2);
    expect(third!.headers.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    const warning = JSON.parse(await system.dispatcher.waitFor(/"component":"opentelemetry"/)) as Record<
      string,
      unknown
    >;
    expect(warning).toMatchObject({ level: 'error', msg: 'the OpenTelemetry SDK reported a problem' });
    expect(warning.problem).toMatch(/ECONNREFUSED/);
    expect(warning.trace_id).toBeUndefined();
    expect(system.dispatcher.pid).toBeDefined();
    expect(system.matcher.pid).toBeDefined();
  });
});

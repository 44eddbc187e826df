import { status } from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileEventPublisher, SUBJECT_TEMPLATES, SUBJECTS } from '@callbacks/messaging';
import { System } from '@callbacks/system';
import { auth, call, callFails, sampleCallback, sampleEvent, TestReceiver } from '@callbacks/testing';
import { OtlpReceiver, sampleValue, scrapeUntil } from '../src';

/**
 * SPEC §9 logs: structured JSON, trace ids on the lines logged inside a span, and secrets never
 * written. The services log everything they can (LOG_LEVEL=trace), trace and serve metrics
 * while a token, a private key, signatures and a URL with credentials are in play; then every
 * line they wrote, and every span they exported, is searched for each secret.
 */

let otlp: OtlpReceiver;
let receiver: TestReceiver;
let system: System;
const URL_PASSWORD = 'pw-3f9c1d7a';

beforeAll(async () => {
  otlp = await OtlpReceiver.start();
  receiver = await TestReceiver.start();
  receiver.answer('/fail', (nth) => (nth === 1 ? 503 : 200));
  receiver.answer('/gone', () => 410);
  system = await System.start({
    env: {
      DISPATCHER_RETRY_SCHEDULE: '1s',
      DISPATCHER_RETRY_JITTER: '0',
      LOG_LEVEL: 'trace',
      METRICS_ADDR: '127.0.0.1:0',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    prepare: async (started) => {
      for (const [databaseId, path] of [
        ['ok', '/ok'],
        ['fail', '/fail'],
        ['gone', '/gone'],
      ] as const) {
        await started.createCallback(
          sampleCallback({ databaseId, url: receiver.url(path), actions: [], triggers: [] }),
        );
      }
    },
  });
});
afterAll(async () => {
  await system?.close();
  await receiver?.close();
  await otlp?.close();
});

function signatureOf(headers: Record<string, string | string[] | undefined>): string {
  const value = /signature="([^"]+)"/.exec(String(headers.signature ?? ''))?.[1];
  if (!value) throw new Error(`no signature in ${String(headers.signature)}`);
  return value;
}

describe('logs', () => {
  it('are JSON lines that never contain a token, a private key, a signature or URL credentials', async () => {
    const token = auth(system.token);
    // Deliveries of every kind (a success, a retry, a 410 that disables its callback), an
    // undecodable event, a refused URL with credentials, and a signed TestCallback send.
    const publisher = new ProfileEventPublisher(system.nc);
    for (const databaseId of ['ok', 'fail', 'gone']) await publisher.publish(sampleEvent({ databaseId }));
    const undecodable = natsHeaders();
    undecodable.set('Content-Type', 'application/json');
    await jetstream(system.nc).publish(SUBJECTS.event('acct-a', 'ok', 'profile', 'update'), '{"eventId":', {
      headers: undecodable,
    });
    const refused = await callFails(
      system.client.createCallback.bind(system.client),
      { callback: sampleCallback({ url: `http://crm-user:${URL_PASSWORD}@127.0.0.1:${receiver.port}/ok` }) },
      token,
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    const tested = await call(
      system.client.testCallback.bind(system.client),
      {
        target: {
          $case: 'callback',
          value: sampleCallback({ databaseId: 'ok', url: receiver.url('/tested'), actions: [], triggers: [] }),
        },
        event: sampleEvent({ databaseId: 'ok' }),
        send: true,
      },
      token,
    );
    expect(tested.sent?.statusCode).toBe(200);

    const webhooks = [
      ...(await receiver.waitFor('/ok', 1)),
      ...(await receiver.waitFor('/fail', 2)),
      ...(await receiver.waitFor('/gone', 1)),
      ...(await receiver.waitFor('/tested', 1)),
    ];
    // Every result recorded (the 410's disables its callback as it is recorded): all the work
    // above is done, and logged, by then.
    const configMetrics = await system.metricsPort(system.config);
    await scrapeUntil(
      configMetrics,
      (text) => sampleValue(text, 'callbacks_delivery_log_results_total', { result: 'recorded' }) >= 4,
    );
    const deadLettered = await system.matcher.waitFor(/event dead-lettered/);

    // Every line of the key's base64 body: no fragment of it may appear.
    const keyLines = system.signingKeyPem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(10);
    const secrets = [
      system.token,
      URL_PASSWORD,
      ...webhooks.map((webhook) => signatureOf(webhook.headers)),
      ...keyLines,
    ];
    const lines = system.output();
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        service: expect.any(String),
        level: expect.any(String),
        time: expect.any(String),
        msg: expect.any(String),
      });
    }
    expect(new Set(entries.map((entry) => entry.service))).toEqual(
      new Set(['config-service', 'matcher', 'dispatcher']),
    );
    const everything = [...lines, ...otlp.payloads].join('\n');
    for (const secret of secrets) expect(everything, 'a secret was written').not.toContain(secret);

    // A line logged inside a span carries its ids: the dead letter, inside the event's process span.
    const entry = JSON.parse(deadLettered) as { trace_id?: string; span_id?: string };
    const spans = await otlp.waitFor((all) => all.some((span) => span.spanId === entry.span_id));
    const span = spans.find((s) => s.spanId === entry.span_id)!;
    expect(span).toMatchObject({
      service: 'matcher',
      name: `process ${SUBJECT_TEMPLATES.event}`,
      traceId: entry.trace_id,
    });
  });
});

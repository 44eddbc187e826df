import { headers as natsHeaders } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { recordSpans, spanNamed } from '../test/recording';
import { NatsTracing } from './nats';
import { disabledTelemetry } from './telemetry';

const recording = recordSpans();
afterAll(() => recording.stop());
beforeEach(() => recording.reset());

const TEMPLATE = 'callbacks.deliveries.v1.{account}.{callback}';
const W3C = /^00-([\da-f]{32})-([\da-f]{16})-0[01]$/;

function parse(traceparent: string | undefined): { traceId: string; spanId: string } {
  const match = W3C.exec(traceparent ?? '');
  if (!match) throw new Error(`not a traceparent: ${traceparent}`);
  return { traceId: match[1]!, spanId: match[2]! };
}

/** A message as a consumer receives it, carrying what a publish wrote into its headers. */
function received(headers = natsHeaders(), subject = 'callbacks.deliveries.v1.acct-a.cb_1') {
  return { subject, headers, data: new Uint8Array(42) };
}

describe('NatsTracing with tracing on', () => {
  const tracing = new NatsTracing(recording.telemetry);

  it('publishes with a producer span whose context travels in the headers, and continues it on consume', async () => {
    const headers = natsHeaders();
    const ack = await tracing.publish(
      { subject: 'callbacks.deliveries.v1.acct-a.cb_1', template: TEMPLATE, headers, msgId: 'dl_1' },
      async () => 'stored',
    );
    expect(ack).toBe('stored');
    const publish = spanNamed(recording.spans(), `publish ${TEMPLATE}`);
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': 'callbacks.deliveries.v1.acct-a.cb_1',
      'messaging.destination.template': TEMPLATE,
      'messaging.message.id': 'dl_1',
    });
    expect(parse(headers.get('traceparent'))).toEqual({
      traceId: publish.spanContext().traceId,
      spanId: publish.spanContext().spanId,
    });

    headers.set('Nats-Msg-Id', 'dl_1');
    const consumed = tracing.consume(received(headers), TEMPLATE, 'dispatcher');
    consumed.end();
    const process = spanNamed(recording.spans(), `process ${TEMPLATE}`);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(publish.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(process.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'dispatcher',
      'messaging.message.id': 'dl_1',
      'messaging.message.body.size': 42,
    });
  });

  it('puts what a consumed message causes under its process span: publishes, requests, log lines', async () => {
    const upstream = natsHeaders();
    await tracing.publish({ subject: 's', template: 'events', headers: upstream }, async () => undefined);
    const consumed = tracing.consume(received(upstream), TEMPLATE, 'dispatcher');

    const inside = consumed.run(() => recording.telemetry.logFields());
    const retry = natsHeaders();
    await consumed.publish(
      { subject: 'callbacks.retries.v1.dl_1.2', template: 'callbacks.retries.v1.{delivery}.{attempt}', headers: retry },
      async () => undefined,
    );
    const request = consumed.request(new URL('https://hooks.example.com:8443/hook?token=secret'));
    request.end({ statusCode: 503 });
    consumed.annotate({ 'callbacks.delivery.outcome': 'RETRYING' });
    consumed.end();
    consumed.end(); // once only

    const spans = recording.spans();
    const process = spanNamed(spans, `process ${TEMPLATE}`);
    const { traceId, spanId } = process.spanContext();
    expect(inside).toEqual({ trace_id: traceId, span_id: spanId });
    expect(process.attributes['callbacks.delivery.outcome']).toBe('RETRYING');

    const scheduled = spanNamed(spans, 'publish callbacks.retries.v1.{delivery}.{attempt}');
    expect(scheduled.parentSpanContext?.spanId).toBe(spanId);
    expect(parse(retry.get('traceparent'))).toEqual({ traceId, spanId: scheduled.spanContext().spanId });

    const post = spanNamed(spans, 'POST');
    expect(post.kind).toBe(SpanKind.CLIENT);
    expect(post.parentSpanContext?.spanId).toBe(spanId);
    expect(parse(request.headers.traceparent)).toEqual({ traceId, spanId: post.spanContext().spanId });
    expect(post.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.full': 'https://hooks.example.com:8443/hook',
      'server.address': 'hooks.example.com',
      'server.port': 8443,
      'http.response.status_code': 503,
      'error.type': '503',
    });
    expect(post.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans.filter((span) => span.name === `process ${TEMPLATE}`)).toHaveLength(1);
  });

  it('handles a message inside its process span, ended when the work is done, failed when it throws', async () => {
    let active: string | undefined;
    const result = await tracing.process(received(), TEMPLATE, 'matcher', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      active = trace.getActiveSpan()?.spanContext().spanId;
      return 'matched';
    });
    expect(result).toBe('matched');
    const failing = tracing.process(received(), TEMPLATE, 'matcher', () => Promise.reject(new Error('index broken')));
    await expect(failing).rejects.toThrow('index broken');
    const [done, failed] = recording.spans().filter((span) => span.name === `process ${TEMPLATE}`);
    expect(active).toBe(done!.spanContext().spanId);
    expect(done!.status.code).toBe(SpanStatusCode.UNSET);
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'index broken' });
  });

  it('starts a new trace for a message without trace context, and marks failures', async () => {
    const consumed = tracing.consume(received(), TEMPLATE);
    const failed = consumed.publish({ subject: 's', template: 'results', headers: natsHeaders() }, () =>
      Promise.reject(new Error('no stream')),
    );
    await expect(failed).rejects.toThrow('no stream');
    consumed.end(new Error('could not record'));
    const process = spanNamed(recording.spans(), `process ${TEMPLATE}`);
    expect(process.parentSpanContext).toBeUndefined();
    expect(process.attributes['messaging.consumer.group.name']).toBeUndefined();
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'could not record' });
    expect(spanNamed(recording.spans(), 'publish results').status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('NatsTracing with tracing off', () => {
  const tracing = new NatsTracing(disabledTelemetry());
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('records nothing and passes the arriving context on to what the message causes', async () => {
    const arriving = natsHeaders();
    arriving.set('traceparent', traceparent);
    arriving.set('tracestate', 'vendor=1');
    const consumed = tracing.consume(received(arriving), TEMPLATE, 'dispatcher');
    expect(consumed.run(() => trace.getActiveSpan())).toBeUndefined();
    const next = natsHeaders();
    await consumed.publish({ subject: 's', template: TEMPLATE, headers: next }, async () => undefined);
    expect(next.get('traceparent')).toBe(traceparent);
    expect(next.get('tracestate')).toBe('vendor=1');
    expect(consumed.request(new URL('https://example.com/')).headers).toEqual({ traceparent, tracestate: 'vendor=1' });
    consumed.end();
    await tracing.publish({ subject: 's', template: TEMPLATE, headers: natsHeaders() }, async () => undefined);
    expect(recording.spans()).toEqual([]);
  });

  it('gives every request a traceparent, a new unsampled one when none arrived or it was malformed', () => {
    const malformed = natsHeaders();
    malformed.set('traceparent', '00-00000000000000000000000000000000-b7ad6b7169203331-01');
    for (const headers of [natsHeaders(), malformed]) {
      const consumed = tracing.consume(received(headers), TEMPLATE);
      const first = consumed.request(new URL('https://example.com/')).headers.traceparent;
      const second = consumed.request(new URL('https://example.com/')).headers.traceparent;
      expect(first).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-00$/);
      expect(parse(first).traceId).not.toBe(parse(second).traceId);
      const next = natsHeaders();
      void consumed.publish({ subject: 's', template: TEMPLATE, headers: next }, async () => undefined);
      expect(next.has('traceparent')).toBe(false);
    }
  });
});

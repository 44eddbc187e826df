import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpServerTelemetry } from '../src/http-server';
import { recordSpans, spanNamed } from './recording';

const recording = recordSpans();
const activeInHandler: (string | undefined)[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  const telemetry = httpServerTelemetry(recording.telemetry);
  server = createServer((req, res) => {
    const request = telemetry.start({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
    const status = req.url === '/v1/things/broken' ? 503 : req.url?.startsWith('/v1/things/') ? 200 : 404;
    if (status !== 404) request.route('/v1/things/{id}', { service: 'test.v1.Things', method: 'GetThing' });
    request.within(() => activeInHandler.push(trace.getActiveSpan()?.spanContext().spanId));
    res.writeHead(status).end();
    request.end(status);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await recording.stop();
});

it('continues the caller’s trace in a SERVER span named by the route, active in the handler', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await fetch(`${base}/v1/things/t1`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  const span = spanNamed(recording.spans(), 'GET /v1/things/{id}');
  expect(span.kind).toBe(SpanKind.SERVER);
  expect(span.spanContext().traceId).toBe(traceId);
  expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  expect(span.attributes).toMatchObject({
    'http.request.method': 'GET',
    'http.route': '/v1/things/{id}',
    'http.response.status_code': 200,
    'rpc.method': 'GetThing',
  });
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expect(activeInHandler.at(-1)).toBe(span.spanContext().spanId);
});

it('fails the span on a 5xx only, and counts requests by route and status with bounded labels', async () => {
  recording.reset();
  await fetch(`${base}/v1/things/broken`);
  await fetch(`${base}/no/such/route/1`);
  await fetch(`${base}/no/such/route/2`);
  const [broken] = recording.spans().filter((s) => s.attributes['http.response.status_code'] === 503);
  expect(broken?.status.code).toBe(SpanStatusCode.ERROR);
  const unmatched = recording.spans().filter((s) => s.attributes['http.response.status_code'] === 404);
  expect(unmatched.map((s) => s.name)).toEqual(['GET', 'GET']);
  expect(unmatched.every((s) => s.status.code === SpanStatusCode.UNSET)).toBe(true);
  const metrics = await recording.telemetry.metrics.metrics();
  expect(metrics).toContain('http_server_requests_total{method="GET",route="/v1/things/{id}",status_code="200"} 1');
  expect(metrics).toContain('http_server_requests_total{method="GET",route="/v1/things/{id}",status_code="503"} 1');
  expect(metrics).toContain('http_server_requests_total{method="GET",route="unmatched",status_code="404"} 2');
  expect(metrics).toMatch(
    /http_server_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 2/,
  );
});

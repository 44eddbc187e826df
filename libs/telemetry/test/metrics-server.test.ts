import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import {
  AckedPublisher,
  connectNats,
  ensureStream,
  type NatsConnection,
  STREAMS,
  SUBJECTS,
} from '@callbacks/messaging';
import { countFrom } from '../src/metrics';
import { serveMetrics } from '../src/metrics-server';
import { disabledTelemetry } from '../src/telemetry';

let nats: Server;
let nc: NatsConnection;
const log = createLogger({ service: 'test', level: 'silent' });

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'metrics-test' });
  await ensureStream(nc, 'results', { replicas: 1, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAMS.results.name, { durable_name: 'delivery-log', ack_policy: AckPolicy.Explicit });
  const publisher = new AckedPublisher(nc);
  await Promise.all(
    Array.from({ length: 5 }, (_, i) => publisher.publish(SUBJECTS.attemptResult('acct-a', 'cb_1'), `r${i}`)),
  );
  publisher.close();
});
afterAll(async () => {
  await nc?.close();
  await nats?.close();
});

async function scrape(
  port: number | undefined,
  path = '/metrics',
): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('serveMetrics', () => {
  it('serves the registry, the process metrics and the consumer backlog on /metrics, on the port it bound', async () => {
    const telemetry = disabledTelemetry('config-service');
    countFrom(telemetry.metrics, 'callbacks_test_total', 'A count.', [], () => 12);
    const endpoint = await serveMetrics(telemetry, {
      address: '127.0.0.1:0',
      log,
      nc,
      consumers: [{ stream: STREAMS.results.name, consumer: 'delivery-log' }],
    });
    try {
      expect(endpoint.port).toBeGreaterThan(0);
      const pending = /callbacks_consumer_pending_messages\{stream="CALLBACK_RESULTS",consumer="delivery-log"\} (\d+)/;
      let page = await scrape(endpoint.port);
      // The first poll of consumer info is under way as the endpoint starts: wait for its answer.
      while (!pending.test(page.text)) page = await scrape(endpoint.port);
      expect(page.status).toBe(200);
      expect(page.type).toContain('text/plain');
      expect(page.text).toContain('callbacks_test_total 12');
      expect(page.text).toContain('process_cpu_seconds_total');
      expect(page.text).toContain('nodejs_eventloop_lag_seconds');
      expect(Number(pending.exec(page.text)?.[1])).toBe(5);
      expect(page.text).toMatch(
        /callbacks_consumer_ack_pending_messages\{stream="CALLBACK_RESULTS",consumer="delivery-log"\} 0/,
      );
      expect((await scrape(endpoint.port, '/')).status).toBe(404);
    } finally {
      await endpoint.stop();
    }
    await expect(fetch(`http://127.0.0.1:${endpoint.port}/metrics`)).rejects.toThrow();
  });

  it('serves nothing without an address, and names the variable when the port is taken', async () => {
    const off = await serveMetrics(disabledTelemetry(), { address: '', log });
    expect(off.port).toBeUndefined();
    await off.stop();

    const first = await serveMetrics(disabledTelemetry(), { address: '127.0.0.1:0', log });
    try {
      await expect(serveMetrics(disabledTelemetry(), { address: `127.0.0.1:${first.port}`, log })).rejects.toThrow(
        /^METRICS_ADDR 127\.0\.0\.1:\d+: .*EADDRINUSE/,
      );
    } finally {
      await first.stop();
    }
  });
});

describe('the probes beside the metrics', () => {
  const probe = async (port: number | undefined, path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.text() };
  };

  it('is alive at once, ready once started and only while NATS is connected', async () => {
    const own = await connectNats({ servers: [nats.url], name: 'probe-test' });
    const endpoint = await serveMetrics(disabledTelemetry(), { address: '127.0.0.1:0', log, nc: own });
    const statuses = own.status()[Symbol.asyncIterator]();
    const next = async (type: string) => {
      for (let status = await statuses.next(); !status.done; status = await statuses.next())
        if (status.value.type === type) return;
    };
    try {
      expect(await probe(endpoint.port, '/healthz')).toEqual({ status: 200, body: 'alive\n' });
      expect(await probe(endpoint.port, '/readyz')).toEqual({
        status: 503,
        body: '{"ready":false,"waiting_for":["start-up"]}\n',
      });
      endpoint.ready();
      expect(await probe(endpoint.port, '/readyz')).toEqual({ status: 200, body: '{"ready":true,"waiting_for":[]}\n' });

      const disconnected = next('disconnect');
      await nats.managed!.stop();
      await disconnected;
      expect(await probe(endpoint.port, '/readyz')).toEqual({
        status: 503,
        body: '{"ready":false,"waiting_for":["nats"]}\n',
      });
      expect((await probe(endpoint.port, '/healthz')).status).toBe(200);

      const reconnected = next('reconnect');
      await nats.managed!.start();
      await reconnected;
      expect((await probe(endpoint.port, '/readyz')).status).toBe(200);

      await own.drain();
      expect((await probe(endpoint.port, '/readyz')).status).toBe(503);
    } finally {
      await endpoint.stop();
      await own.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { collectDefaultMetrics } from 'prom-client';
import type { Logger } from '@callbacks/logger';
import { type ConsumerRef, watchConsumers } from './consumers';
import { Readiness } from './health';
import type { Telemetry } from './telemetry';

export interface MetricsEndpoint {
  /** The port bound (`METRICS_ADDR` may ask for port 0), or undefined when metrics are not served. */
  readonly port: number | undefined;
  /** Start-up is done: `/readyz` answers 200 from now on, while NATS is connected. */
  ready(): void;
  stop(): Promise<void>;
}

/**
 * Serves the service's metrics on `http://<address>/metrics` in the Prometheus text format, with
 * the process's own (CPU, memory, event-loop lag, GC), and polls the JetStream consumers the
 * service reads for their backlog. Beside them, the probes: `/healthz` (200 while the process
 * serves) and `/readyz` (200 once the service called `ready()` and while NATS is connected,
 * otherwise 503 naming what it waits for). An empty address serves nothing and polls nothing.
 */
export async function serveMetrics(
  telemetry: Telemetry,
  options: { address: string; log: Logger; nc?: NatsConnection; consumers?: readonly ConsumerRef[] },
): Promise<MetricsEndpoint> {
  if (options.address === '') return { port: undefined, ready: () => undefined, stop: () => Promise.resolve() };
  const registry = telemetry.metrics;
  collectDefaultMetrics({ register: registry });
  const consumers =
    options.nc && options.consumers?.length ? watchConsumers(options.nc, options.consumers, registry) : undefined;
  const readiness = new Readiness(options.nc);
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('alive\n');
      return;
    }
    if (request.method === 'GET' && path === '/readyz') {
      const gaps = readiness.gaps();
      response
        .writeHead(gaps.length === 0 ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(`${JSON.stringify({ ready: gaps.length === 0, waiting_for: gaps })}\n`);
      return;
    }
    if (request.method !== 'GET' || path !== '/metrics') {
      response
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end('metrics are on /metrics, probes on /healthz and /readyz\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: unknown) => {
        options.log.warn({ err: error }, 'collecting metrics failed');
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  let port: number;
  try {
    port = await listen(server, options.address);
  } catch (error) {
    consumers?.stop();
    throw new Error(`METRICS_ADDR ${options.address}: ${(error as Error).message}`, { cause: error });
  }
  options.log.info(
    { address: options.address, metrics_port: port },
    `serving metrics on http://${options.address.replace(/:\d+$/, `:${port}`)}/metrics`,
  );
  return {
    port,
    ready: () => readiness.markStarted(),
    async stop() {
      consumers?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, address: string): Promise<number> {
  const [, host = '', port = '0'] = /^\[?(.*?)\]?:(\d+)$/.exec(address) ?? [];
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitUntil } from '@callbacks/infra';
import { ServiceProcess } from '@callbacks/testing';
import { System } from '../src/system';

async function probe(port: number, path: '/healthz' | '/readyz'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** Until /readyz answers `status` (readiness follows NATS and the database on its own time). */
async function readyzBecomes(port: number, status: number): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  await waitUntil(
    async () => (last = await probe(port, '/readyz')).status === status,
    AbortSignal.timeout(60_000),
    100,
  ).catch(() => undefined);
  return last;
}

/**
 * The probes of every service, as an orchestrator sees them: the processes on their metrics port
 * (METRICS_ADDR), NATS and the database taken away and brought back.
 */
describe('health endpoints', () => {
  let system: System;
  let ports: { app: string; port: number }[];

  beforeAll(async () => {
    system = await System.start({ env: { METRICS_ADDR: '127.0.0.1:0' } });
    ports = await Promise.all(
      [system.config, system.matcher, system.dispatcher].map(async (service) => ({
        app: service.app,
        port: await system.metricsPort(service),
      })),
    );
  });
  afterAll(async () => {
    await system?.close();
  });

  it('are ready once started, not ready while NATS is away, alive throughout', async () => {
    for (const { app, port } of ports) {
      expect(await probe(port, '/healthz'), app).toEqual({ status: 200, body: 'alive\n' });
      expect(await probe(port, '/readyz'), app).toEqual({ status: 200, body: '{"ready":true,"waiting_for":[]}\n' });
    }
    await system.nats.managed!.stop();
    for (const { app, port } of ports) {
      expect(await readyzBecomes(port, 503), app).toEqual({
        status: 503,
        body: '{"ready":false,"waiting_for":["nats"]}\n',
      });
      expect((await probe(port, '/healthz')).status, app).toBe(200);
    }
    await system.nats.managed!.start();
    for (const { app, port } of ports) expect((await readyzBecomes(port, 200)).status, app).toBe(200);
  });

  it('keeps a config service that waits for its database not ready, and alive', async () => {
    await system.mongo.managed!.stop();
    const token = 'health-test';
    const second = new ServiceProcess(
      'config-service',
      {
        NATS_URL: system.nats.url,
        MONGO_URL: system.mongo.url,
        CONFIG_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
        CONFIG_TOKENS: JSON.stringify([
          { name: 'health', sha256: createHash('sha256').update(token).digest('hex'), accounts: '*' },
        ]),
        CONFIG_MONGO_TIMEOUT: '1s',
        METRICS_ADDR: '127.0.0.1:0',
      },
      /serving metrics/,
    );
    try {
      await second.start();
      const port = await system.metricsPort(second);
      expect(await probe(port, '/readyz')).toEqual({
        status: 503,
        body: '{"ready":false,"waiting_for":["start-up"]}\n',
      });
      expect((await probe(port, '/healthz')).status).toBe(200);
      await system.mongo.managed!.start();
      await second.waitFor(/database ready; serving/);
      expect(await probe(port, '/readyz')).toEqual({ status: 200, body: '{"ready":true,"waiting_for":[]}\n' });
    } finally {
      await second.stop();
    }
  });
});

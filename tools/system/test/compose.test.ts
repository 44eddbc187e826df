import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryPath, ensureInstalled } from '@callbacks/infra';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  ports?: { target: number; published: string }[];
}

/** `docker compose config` on the repository's file: no Docker engine needed (Compose v2, built from its module). */
async function composeConfig(env: Record<string, string>): Promise<{ services: Record<string, ComposeService> }> {
  const { stdout } = await run(binaryPath('dockerCompose'), ['--file', join(ROOT, 'docker-compose.yml'), 'config', '--format', 'json'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout) as { services: Record<string, ComposeService> };
}

const SECRETS = { CALLBACKS_TOKEN: 'compose-test-token', CONFIG_TOKENS: '[{"name":"ops","sha256":"00","accounts":"*"}]' };

describe('docker-compose.yml', () => {
  beforeAll(async () => {
    await ensureInstalled(['dockerCompose'], (line) => console.error(`compose test: ${line}`));
  });

  it('validates, with every part of the production-like stack', async () => {
    const { services } = await composeConfig(SECRETS);
    expect(Object.keys(services).sort()).toEqual(['config-service', 'dispatcher', 'matcher', 'mongo', 'nats', 'receiver', 'traces']);
    expect(services.nats!.image).toMatch(/^nats:2\.1\d/);
    expect(services.mongo!.image).toMatch(/^mongo:/);
    expect(services.traces!.image).toMatch(/jaeger/);
  });

  it('builds each service from its own Dockerfile, small and non-root', async () => {
    const { services } = await composeConfig(SECRETS);
    for (const name of ['config-service', 'matcher', 'dispatcher', 'receiver']) {
      const dockerfile = services[name]!.build?.dockerfile;
      expect(dockerfile, name).toBeDefined();
      const text = await readFile(join(ROOT, dockerfile!), 'utf8');
      const stages = text.split('\n').filter((line) => line.startsWith('FROM '));
      expect(stages.at(-1), `${name}: the final stage`).toMatch(/^FROM node:20[\w.-]*-slim$/);
      expect(text, `${name}: runs as a non-root user`).toMatch(/^USER node$/m);
      expect(text, `${name}: production dependencies only`).toContain('npm ci --omit=dev');
    }
  });

  it('wires the services to NATS, MongoDB, the trace viewer, the signing keys and each other', async () => {
    const { services } = await composeConfig(SECRETS);
    for (const name of ['config-service', 'matcher', 'dispatcher']) {
      const env = services[name]!.environment!;
      expect(env.NATS_URL, name).toBe('nats://nats:4222');
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('http://traces:4318');
      expect(services[name]!.depends_on?.nats?.condition, name).toBe('service_healthy');
    }
    expect(services['config-service']!.environment).toMatchObject({ MONGO_URL: 'mongodb://mongo:27017/', CONFIG_TOKENS: SECRETS.CONFIG_TOKENS });
    // The matcher and the dispatcher need nothing but NATS: no token, no config-service address.
    for (const name of ['matcher', 'dispatcher']) {
      expect(Object.keys(services[name]!.environment!).filter((key) => key.includes('CONFIG_SERVICE') || key.includes('TOKEN')), name).toEqual([]);
    }
    expect(services.dispatcher!.environment).toMatchObject({ SIGNING_KEY_RING_FILE: '/keys/ring.json' });
    expect(services['config-service']!.ports?.map((p) => p.target)).toEqual([50051, 8080]);
    // Services inside containers listen on every interface, or no other container reaches them.
    expect(services.receiver!.environment).toMatchObject({ RECEIVER_HOST: '0.0.0.0', RECEIVER_PORT: '8080' });
    expect(await readFile(join(ROOT, 'apps/config-service/Dockerfile'), 'utf8')).toMatch(/^ENV CONFIG_GRPC_ADDR=0\.0\.0\.0:50051$/m);
    expect(await readFile(join(ROOT, 'apps/config-service/Dockerfile'), 'utf8')).toMatch(/^ENV CONFIG_HTTP_ADDR=0\.0\.0\.0:8080$/m);
  });

  it('refuses to start without the tokens, and says which variable to set', async () => {
    const failure = await composeConfig({}).then(
      () => undefined,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(failure).toMatch(/CONFIG_TOKENS|CALLBACKS_TOKEN/);
    expect(failure).toMatch(/see the top of this file/);
  });
});

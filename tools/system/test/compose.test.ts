import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryPath, ensureInstalled } from '@callbacks/infra';
import { loadPlatformKeyRing } from '@callbacks/signature';
import { SERVICE_NODE_FLAGS } from '@callbacks/testing';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  environment?: Record<string, string | null>;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  ports?: { target: number; published: string }[];
  healthcheck?: { test: string[] };
  volumes?: { source: string; target: string }[];
  secrets?: { source: string; target: string }[];
}

interface ComposeProject {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; environment?: string; content?: string }>;
}

/** `docker compose config` on the repository's file: no Docker engine needed (Compose v2, built from its module). */
async function composeConfig(env: Record<string, string>): Promise<ComposeProject> {
  const { stdout } = await run(
    binaryPath('dockerCompose'),
    ['--file', join(ROOT, 'docker-compose.yml'), 'config', '--format', 'json'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      maxBuffer: 16 << 20,
    },
  );
  return JSON.parse(stdout) as ComposeProject;
}

const SECRETS = {
  CALLBACKS_TOKEN: 'compose-test-token',
  CONFIG_TOKENS: '[{"name":"ops","sha256":"00","accounts":"*"}]',
};

describe('docker-compose.yml', () => {
  beforeAll(async () => {
    await ensureInstalled(['dockerCompose'], (line) => console.error(`compose test: ${line}`));
  });

  it('validates, with every part of the production-like stack', async () => {
    const { services } = await composeConfig(SECRETS);
    expect(Object.keys(services).sort()).toEqual([
      'config-service',
      'dispatcher',
      'jaeger',
      'matcher',
      'mongo-1',
      'mongo-2',
      'mongo-3',
      'mongo-init',
      'nats-1',
      'nats-2',
      'nats-3',
      'otel-collector',
      'prometheus',
      'receiver',
    ]);
    expect(services['otel-collector']!.image).toMatch(/^otel\/opentelemetry-collector/);
    expect(services.jaeger!.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(services.prometheus!.image).toMatch(/^prom\/prometheus:/);
  });

  it('runs NATS as a 3-node cluster with JetStream, every node routed to the other two', async () => {
    const { services } = await composeConfig(SECRETS);
    for (const node of ['nats-1', 'nats-2', 'nats-3']) {
      const service = services[node]!;
      expect(service.image, node).toMatch(/^nats:2\.1\d/);
      const command = service.command!;
      const flag = (name: string) => command[command.indexOf(name) + 1];
      expect(command, node).toContain('--jetstream');
      expect(flag('--server_name'), node).toBe(node);
      expect(flag('--cluster_name'), node).toBe('callbacks');
      expect(flag('--routes')?.split(',').sort(), node).toEqual(
        ['nats-1', 'nats-2', 'nats-3'].filter((n) => n !== node).map((n) => `nats://${n}:6222`),
      );
      expect(service.healthcheck?.test.join(' '), node).toContain('/healthz?js-enabled-only=true');
    }
  });

  it('runs MongoDB as a replica set of 3, initiated once before the config service starts', async () => {
    const { services } = await composeConfig(SECRETS);
    for (const member of ['mongo-1', 'mongo-2', 'mongo-3'])
      expect(services[member]!.command, member).toEqual(['--replSet', 'rs0', '--bind_ip_all']);
    expect(services['mongo-init']!.volumes?.[0]?.source).toBe(join(ROOT, 'deploy/compose/mongo-init.js'));
    const init = await readFile(join(ROOT, 'deploy/compose/mongo-init.js'), 'utf8');
    expect(init).toContain("rs.initiate({ _id: 'rs0', members })");
    for (const host of ['mongo-1:27017', 'mongo-2:27017', 'mongo-3:27017']) expect(init).toContain(host);
    expect(services['config-service']!.environment!.MONGO_URL).toBe(
      'mongodb://mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0',
    );
    expect(services['config-service']!.depends_on?.['mongo-init']?.condition).toBe('service_completed_successfully');
  });

  it('waits on health: each service has a readiness check and waits for the NATS nodes', async () => {
    const { services } = await composeConfig(SECRETS);
    for (const name of ['config-service', 'matcher', 'dispatcher']) {
      expect(services[name]!.healthcheck?.test.join(' '), name).toContain('http://127.0.0.1:9464/readyz');
      for (const node of ['nats-1', 'nats-2', 'nats-3'])
        expect(services[name]!.depends_on?.[node]?.condition, `${name} on ${node}`).toBe('service_healthy');
      const dockerfile = (await imageStages(services[name]!)).text;
      expect(dockerfile, `${name}: Dockerfile HEALTHCHECK`).toMatch(
        /^HEALTHCHECK .*\n\s+CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:' \+ process\.env\.METRICS_ADDR/m,
      );
      expect(dockerfile, name).toMatch(/^ENV METRICS_ADDR=0\.0\.0\.0:9464$/m);
    }
  });

  it('sends traces through the OpenTelemetry Collector to Jaeger, and has Prometheus scrape every service', async () => {
    const { services } = await composeConfig(SECRETS);
    const collector = await readFile(join(ROOT, 'deploy/compose/otel-collector.yaml'), 'utf8');
    expect(collector).toMatch(/endpoint: 0\.0\.0\.0:4318/);
    expect(collector).toMatch(/endpoint: jaeger:4317/);
    expect(services['otel-collector']!.volumes?.[0]?.source).toBe(join(ROOT, 'deploy/compose/otel-collector.yaml'));
    const prometheus = await readFile(join(ROOT, 'deploy/compose/prometheus.yml'), 'utf8');
    expect(prometheus).toContain('names: [config-service, matcher, dispatcher]');
    expect(prometheus).toContain('port: 9464');
    for (const name of ['config-service', 'matcher', 'dispatcher'])
      expect(services[name]!.environment!.METRICS_ADDR, name).toBe('0.0.0.0:9464');
  });

  it('builds every image from the one Dockerfile, each its own app, small and non-root', async () => {
    const { services } = await composeConfig(SECRETS);
    const apps = {
      'config-service': 'config-service',
      matcher: 'matcher',
      dispatcher: 'dispatcher',
      receiver: 'demo-receiver',
    };
    for (const [name, app] of Object.entries(apps)) {
      expect(services[name]!.build?.args?.APP, name).toBe(app);
      const image = await imageStages(services[name]!);
      expect(image.base, `${name}: the final stage's image`).toMatch(/^node:20[\w.-]*-slim$/);
      expect(image.text, `${name}: runs as a non-root user`).toMatch(/^USER node$/m);
      expect(image.text, `${name}: carries its own bundle`).toContain('COPY --from=build /src/dist/apps/${APP} ./');
      expect(image.dockerfile, `${name}: production dependencies only`).toContain('npm ci --omit=dev');
      // The benchmarks run the bundles as the image does.
      if (name !== 'receiver')
        expect(image.text, `${name}: node's flags`).toContain(
          `ENTRYPOINT ${JSON.stringify(['node', ...SERVICE_NODE_FLAGS, 'main.mjs']).replaceAll(',', ', ')}`,
        );
    }
    // The receiver is no service: no probes of a service's, which it does not serve.
    expect((await imageStages(services.receiver!)).text).not.toContain('HEALTHCHECK');
  });

  it('wires the services to NATS, MongoDB, the trace viewer, the signing keys and each other', async () => {
    const { services } = await composeConfig(SECRETS);
    for (const name of ['config-service', 'matcher', 'dispatcher']) {
      const env = services[name]!.environment!;
      expect(env.NATS_URL, name).toBe('nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222');
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('http://otel-collector:4318');
      // Settings every service must agree on, set once for all.
      expect(env, name).toMatchObject({
        EVENTS_STREAM_REPLICAS: '3',
        DELIVERIES_STREAM_REPLICAS: '3',
        RESULTS_STREAM_REPLICAS: '3',
        DELIVERIES_STREAM_DUPLICATE_WINDOW: '2h',
      });
    }
    expect(services['config-service']!.environment).toMatchObject({
      CONFIG_TOKENS: SECRETS.CONFIG_TOKENS,
      CALLBACKS_BUCKET_REPLICAS: '3',
    });
    // The matcher and the dispatcher need nothing but NATS: no token, no config-service address.
    for (const name of ['matcher', 'dispatcher']) {
      expect(
        Object.keys(services[name]!.environment!).filter(
          (key) => key.includes('CONFIG_SERVICE') || key.includes('TOKEN'),
        ),
        name,
      ).toEqual([]);
    }
    expect(services.dispatcher!.environment).toMatchObject({ SIGNING_KEY_RING_FILE: '/keys/ring.json' });
    expect(services['config-service']!.ports?.map((p) => p.target)).toEqual([50051, 8080]);
    // Services inside containers listen on every interface, or no other container reaches them.
    expect(services.receiver!.environment).toMatchObject({ RECEIVER_HOST: '0.0.0.0', RECEIVER_PORT: '8080' });
    const configImage = (await imageStages(services['config-service']!)).text;
    expect(configImage).toMatch(/^ENV CONFIG_GRPC_ADDR=0\.0\.0\.0:50051$/m);
    expect(configImage).toMatch(/^ENV CONFIG_HTTP_ADDR=0\.0\.0\.0:8080$/m);
  });

  it('gives the platform key ring to the config service and the dispatchers only, as files, never inline', async () => {
    const project = await composeConfig(SECRETS);
    // The services that seal (the config service) and open (the dispatcher) per-callback secrets.
    const holders = ['config-service', 'dispatcher'];
    for (const [name, service] of Object.entries(project.services)) {
      const variables = Object.keys(service.environment ?? {}).filter((key) => key.startsWith('SECRET_KEY'));
      const secrets = (service.secrets ?? []).map((s) => `${s.source}:${s.target}`).sort();
      if (holders.includes(name)) {
        expect(variables, name).toEqual(['SECRET_KEY_RING_FILE']);
        expect(service.environment!.SECRET_KEY_RING_FILE, name).toBe('/run/secrets/platform-key-ring');
        expect(secrets, name).toEqual([
          'platform-key-ring:/run/secrets/platform-key-ring',
          'platform-key:/run/secrets/platform-key',
        ]);
      } else {
        expect(variables, name).toEqual([]);
        expect(secrets, name).toEqual([]);
      }
      // The key is a compose secret, in no folder a service mounts (the receiver mounts .compose/keys).
      for (const volume of service.volumes ?? [])
        expect(join(ROOT, '.compose/platform-key').startsWith(`${volume.source}/`), `${name} ${volume.source}`).toBe(
          false,
        );
    }
    // From files: the ring (committed, no key material) and the demo key (made with openssl, kept out of git).
    expect(project.secrets).toEqual({
      'platform-key-ring': expect.objectContaining({ file: join(ROOT, 'deploy/compose/platform-key-ring.json') }),
      'platform-key': expect.objectContaining({ file: join(ROOT, '.compose/platform-key') }),
    });
    const compose = await readFile(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('openssl rand -base64 32 > .compose/platform-key');
    expect(await readFile(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^\.compose\/$/m);

    // The ring as the services load it, each file read where compose mounts it (a fresh key for
    // .compose/platform-key, which only exists where someone ran the openssl line).
    const mounted = new Map(
      project.services['dispatcher']!.secrets!.map((s) => [s.target, project.secrets![s.source]!.file!]),
    );
    const key = randomBytes(32).toString('base64');
    const ring = loadPlatformKeyRing({
      env: { SECRET_KEY_RING_FILE: project.services['dispatcher']!.environment!.SECRET_KEY_RING_FILE! },
      readFile: (path) => {
        const file = mounted.get(path);
        if (!file) throw Object.assign(new Error(`${path} is not mounted`), { code: 'ENOENT' });
        return file.endsWith('/.compose/platform-key') ? key : readFileSync(file, 'utf8');
      },
    });
    expect(ring?.current).toBe('pk-compose');
    const sealed = ring!.seal(Buffer.from('whsec_demo'), 'cb_1');
    expect(ring!.open(sealed, 'cb_1').toString()).toBe('whsec_demo');
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

/**
 * The stages a compose service's image is made of: its build target and the stages that one is built
 * FROM, down to the base image (the text of those stages only, so what another target sets does not count).
 */
async function imageStages(service: ComposeService): Promise<{ dockerfile: string; text: string; base: string }> {
  const dockerfile = await readFile(join(ROOT, service.build!.dockerfile), 'utf8');
  const stages = new Map<string, { from: string; text: string }>();
  let last = '';
  for (const chunk of dockerfile.split(/^(?=FROM )/m).filter((part) => part.startsWith('FROM '))) {
    const [, from, name] = /^FROM (\S+)(?: AS (\S+))?/.exec(chunk)!;
    last = name ?? `#${stages.size}`;
    stages.set(last, { from: from!, text: chunk });
  }
  let stage = stages.get(service.build!.target ?? last);
  expect(stage, `build target ${service.build!.target}`).toBeDefined();
  let text = '';
  for (;;) {
    text = stage!.text + text;
    const next = stages.get(stage!.from);
    if (!next) return { dockerfile, text, base: stage!.from };
    stage = next;
  }
}

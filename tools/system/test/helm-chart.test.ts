import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { binaryPath, ensureInstalled } from '@callbacks/infra';
import { STREAMS } from '@callbacks/messaging';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/callbacks');
const VALUES = { default: join(CHART, 'values.yaml'), production: join(CHART, 'values-production.yaml') };
const SERVICES = ['config-service', 'matcher', 'dispatcher'] as const;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  env: EnvVar[];
  ports: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & {
    template?: { spec: { containers: Container[]; volumes?: { name: string; secret?: { secretName: string } }[] } };
  };
}

async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(binaryPath('helm'), args, {
    cwd: ROOT,
    maxBuffer: 16 << 20,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  return stdout;
}

async function render(values: string, ...extra: string[]): Promise<Manifest[]> {
  const text = await helm(['template', 'callbacks', CHART, '--namespace', 'callbacks', '-f', values, ...extra]);
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const deployment = (manifests: Manifest[], service: string) => {
  const found = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `callbacks-${service}`);
  if (!found) throw new Error(`no Deployment for ${service}`);
  return found;
};
const container = (manifests: Manifest[], service: string) =>
  deployment(manifests, service).spec.template!.spec.containers[0]!;
const envOf = (manifests: Manifest[], service: string) =>
  new Map(container(manifests, service).env.map((e) => [e.name, e]));
/** The Secret whose files are mounted read-only where `path` is in the service's container, if any. */
const secretAt = (manifests: Manifest[], service: string, path: string) => {
  const mount = container(manifests, service).volumeMounts?.find(
    (m) => m.readOnly === true && path.startsWith(`${m.mountPath}/`),
  );
  const volume = deployment(manifests, service).spec.template!.spec.volumes?.find((v) => v.name === mount?.name);
  return volume?.secret?.secretName;
};

/**
 * The Kubernetes chart (deploy/helm/callbacks) as CI sees it: `helm lint --strict` and `helm
 * template` for the default and the production-like values, and the rendered manifests read
 * back: probes, the settings each service needs, secrets only by reference, disruption budgets
 * and autoscaling.
 */
describe('Helm chart', () => {
  const rendered: Record<keyof typeof VALUES, Manifest[]> = { default: [], production: [] };

  beforeAll(async () => {
    await ensureInstalled(['helm'], (line) => console.error(`helm chart test: ${line}`));
    rendered.default = await render(VALUES.default);
    rendered.production = await render(VALUES.production);
  });

  it.each(Object.entries(VALUES))('passes helm lint --strict with the %s values', async (_, values) => {
    const output = await helm(['lint', '--strict', CHART, '-f', values]);
    expect(output).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(['default', 'production'] as const)(
    'gives every service its probes on the metrics port (%s values)',
    (name) => {
      for (const service of SERVICES) {
        const c = container(rendered[name], service);
        expect(c.ports.find((p) => p.name === 'metrics')?.containerPort, service).toBe(9464);
        expect(c.livenessProbe?.httpGet, service).toEqual({ path: '/healthz', port: 'metrics' });
        expect(c.readinessProbe?.httpGet, service).toEqual({ path: '/readyz', port: 'metrics' });
        expect(c.startupProbe?.httpGet, service).toEqual({ path: '/healthz', port: 'metrics' });
        expect(envOf(rendered[name], service).get('METRICS_ADDR')?.value, service).toBe('0.0.0.0:9464');
        expect(c.resources?.requests?.cpu, service).toBeDefined();
        expect(c.image, service).toMatch(new RegExp(`/callbacks/${service}:`));
      }
    },
  );

  it('gives each service the settings it needs, and the matcher and dispatcher nothing of the config service', () => {
    const manifests = rendered.production;
    const config = envOf(manifests, 'config-service');
    expect(config.get('CONFIG_GRPC_ADDR')?.value).toBe('0.0.0.0:50051');
    expect(config.get('CONFIG_HTTP_ADDR')?.value).toBe('0.0.0.0:8080');
    const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'callbacks-config-service');
    expect((service?.spec.ports as { name: string; port: number }[]).map((p) => `${p.name}:${p.port}`)).toEqual([
      'grpc:50051',
      'http:8080',
      'metrics:9464',
    ]);
    expect(config.get('MONGO_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'callbacks-mongo', key: 'MONGO_URL' });
    expect(config.get('CONFIG_TOKENS')?.valueFrom?.secretKeyRef).toEqual({
      name: 'callbacks-config-tokens',
      key: 'CONFIG_TOKENS',
    });
    for (const service of SERVICES) {
      expect(envOf(manifests, service).get('NATS_URL')?.value, service).toMatch(
        /^nats:\/\/nats-0\..*,nats:\/\/nats-1\..*,nats:\/\/nats-2\./,
      );
      expect(envOf(manifests, service).get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value, service).toMatch(
        /^http:\/\/otel-collector/,
      );
    }
    for (const service of ['matcher', 'dispatcher']) {
      const names = [...envOf(manifests, service).keys()];
      expect(
        names.filter((n) => /CONFIG_SERVICE|TOKEN|MONGO/.test(n)),
        service,
      ).toEqual([]);
    }
    // The key ring is a file from a Secret, mounted where SIGNING_KEY_RING_FILE points.
    const dispatcher = deployment(manifests, 'dispatcher');
    expect(envOf(manifests, 'dispatcher').get('SIGNING_KEY_RING_FILE')?.value).toBe(
      '/etc/callbacks/signing-keys/ring.json',
    );
    expect(container(manifests, 'dispatcher').volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'signing-keys', mountPath: '/etc/callbacks/signing-keys' }),
    );
    expect(dispatcher.spec.template!.spec.volumes).toContainEqual(
      expect.objectContaining({
        name: 'signing-keys',
        secret: expect.objectContaining({ secretName: 'callbacks-signing-keys' }),
      }),
    );
  });

  it.each(['default', 'production'] as const)(
    'mounts the platform key ring from its Secret on the config service and the dispatcher only (%s values)',
    (name) => {
      const manifests = rendered[name];
      for (const service of ['config-service', 'dispatcher']) {
        expect(envOf(manifests, service).get('SECRET_KEY_RING_FILE'), service).toEqual({
          name: 'SECRET_KEY_RING_FILE',
          value: '/etc/callbacks/platform-keys/ring.json',
        });
        expect(secretAt(manifests, service, '/etc/callbacks/platform-keys/ring.json'), service).toBe(
          'callbacks-platform-keys',
        );
      }
      // The matcher passes sealed secrets on without opening them: no ring, no mount.
      expect([...envOf(manifests, 'matcher').keys()].filter((n) => n.startsWith('SECRET_KEY'))).toEqual([]);
      expect(deployment(manifests, 'matcher').spec.template!.spec.volumes).toBeUndefined();
      for (const service of SERVICES) expect(envOf(manifests, service).has('SECRET_KEY_RING'), service).toBe(false);
    },
  );

  it('takes the platform key ring Secret by name, apart from the signing keys, or none when the name is empty', async () => {
    const renamed = await render(
      VALUES.default,
      '--set',
      'secrets.platformKeys.name=pk,secrets.platformKeys.ringFile=platform.json,configService.mountSigningKeys=false',
    );
    expect(envOf(renamed, 'config-service').get('SECRET_KEY_RING_FILE')?.value).toBe(
      '/etc/callbacks/platform-keys/platform.json',
    );
    expect(secretAt(renamed, 'config-service', '/etc/callbacks/platform-keys/platform.json')).toBe('pk');
    expect(envOf(renamed, 'config-service').has('SIGNING_KEY_RING_FILE')).toBe(false);
    expect(deployment(renamed, 'config-service').spec.template!.spec.volumes?.map((v) => v.name)).toEqual([
      'platform-keys',
    ]);
    expect(secretAt(renamed, 'dispatcher', '/etc/callbacks/platform-keys/platform.json')).toBe('pk');

    const none = await render(VALUES.default, '--set', 'secrets.platformKeys.name=');
    for (const service of SERVICES) {
      expect(envOf(none, service).has('SECRET_KEY_RING_FILE'), service).toBe(false);
      expect(
        deployment(none, service).spec.template!.spec.volumes?.filter((v) => v.name === 'platform-keys') ?? [],
        service,
      ).toEqual([]);
    }
    // The signing keys stay where they were.
    expect(secretAt(none, 'dispatcher', '/etc/callbacks/signing-keys/ring.json')).toBe('callbacks-signing-keys');
  });

  it.each([
    ['default', '1'],
    ['production', '3'],
  ] as const)(
    'sets stream and bucket replicas and duplicate windows alike on every service (%s values: %s replicas)',
    (name, replicas) => {
      const settings = SERVICES.flatMap((service) =>
        [...envOf(rendered[name], service)].filter(([n]) =>
          /_STREAM_(REPLICAS|DUPLICATE_WINDOW)$|^CALLBACKS_BUCKET_REPLICAS$/.test(n),
        ),
      );
      const replicaValues = new Set(settings.filter(([n]) => n.endsWith('_REPLICAS')).map(([, e]) => e.value));
      const windows = new Set(settings.filter(([n]) => n.endsWith('_DUPLICATE_WINDOW')).map(([, e]) => e.value));
      expect([...replicaValues]).toEqual([replicas]);
      expect(windows.size).toBe(1);
      // Every stream a service creates is configured on it: events (matcher), deliveries (matcher,
      // dispatcher), results (dispatcher, config service).
      expect(envOf(rendered[name], 'matcher').has('EVENTS_STREAM_REPLICAS')).toBe(true);
      expect(envOf(rendered[name], 'matcher').has('DELIVERIES_STREAM_REPLICAS')).toBe(true);
      expect(envOf(rendered[name], 'dispatcher').has('RESULTS_STREAM_REPLICAS')).toBe(true);
      expect(envOf(rendered[name], 'config-service').has('RESULTS_STREAM_REPLICAS')).toBe(true);
      expect(envOf(rendered[name], 'config-service').get('CALLBACKS_BUCKET_REPLICAS')?.value).toBe(replicas);
    },
  );

  it.each(['default', 'production'] as const)('inlines no secret (%s values)', (name) => {
    const manifests = rendered[name];
    expect(manifests.filter((m) => m.kind === 'Secret' || m.kind === 'ConfigMap')).toEqual([]);
    for (const service of SERVICES) {
      for (const variable of container(manifests, service).env) {
        if (/_FILE$/.test(variable.name) && /SECRET|PRIVATE|KEY_RING/.test(variable.name)) {
          // A file of secrets: it must be on a read-only mount of a Secret.
          expect(secretAt(manifests, service, variable.value ?? ''), `${service} ${variable.name}`).toBeDefined();
        } else if (/TOKEN|PASSWORD|SECRET|PRIVATE|MONGO_URL|KEY_RING$/.test(variable.name)) {
          expect(variable.valueFrom?.secretKeyRef, `${service} ${variable.name}`).toBeDefined();
          expect(variable.value, `${service} ${variable.name}`).toBeUndefined();
        }
        expect(variable.value ?? '', `${service} ${variable.name}`).not.toMatch(
          /PRIVATE KEY|"sha256"|mongodb:\/\/[^/]*@/,
        );
      }
    }
  });

  it('refuses a secret given as a plain setting, and takes it from a Secret by secretEnv', async () => {
    const failure = await render(VALUES.default, '--set', 'matcher.env.MATCHER_CONFIG_SERVICE_TOKEN=abc').then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(failure).toMatch(/MATCHER_CONFIG_SERVICE_TOKEN looks like a secret: give it through a Kubernetes Secret/);
    // …which secretEnv does.
    const manifests = await render(
      VALUES.default,
      '--set',
      'matcher.secretEnv[0].name=MATCHER_CONFIG_SERVICE_TOKEN,matcher.secretEnv[0].secret=matcher-token,matcher.secretEnv[0].key=token',
    );
    expect(envOf(manifests, 'matcher').get('MATCHER_CONFIG_SERVICE_TOKEN')).toEqual({
      name: 'MATCHER_CONFIG_SERVICE_TOKEN',
      valueFrom: { secretKeyRef: { name: 'matcher-token', key: 'token' } },
    });
  });

  it('has a PodDisruptionBudget per service, an HPA on CPU, and KEDA on the consumers when asked', () => {
    for (const name of ['default', 'production'] as const) {
      const budgets = rendered[name]
        .filter((m) => m.kind === 'PodDisruptionBudget')
        .map((m) => m.metadata.name)
        .sort();
      expect(budgets, name).toEqual(SERVICES.map((s) => `callbacks-${s}`).sort());
    }
    expect(rendered.default.filter((m) => m.kind === 'HorizontalPodAutoscaler' || m.kind === 'ScaledObject')).toEqual(
      [],
    );
    const production = rendered.production;
    const hpa = production.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpa.map((m) => m.metadata.name)).toEqual(['callbacks-config-service']);
    expect(hpa[0]!.spec).toMatchObject({
      minReplicas: 2,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }],
    });
    const scaled = new Map(
      production
        .filter((m) => m.kind === 'ScaledObject')
        .map((m) => [
          m.metadata.name,
          m.spec as {
            scaleTargetRef: { name: string };
            triggers: { type: string; metadata: Record<string, string> }[];
          },
        ]),
    );
    expect([...scaled.keys()].sort()).toEqual(['callbacks-dispatcher', 'callbacks-matcher']);
    // The dispatcher also scales on ordered lines waiting for a turn's holder.
    for (const [service, consumers] of [
      ['matcher', [[STREAMS.events.name, 'matcher']]],
      [
        'dispatcher',
        [
          [STREAMS.deliveries.name, 'dispatcher'],
          [STREAMS.turns.name, 'dispatcher-ordered'],
        ],
      ],
    ] as const) {
      const spec = scaled.get(`callbacks-${service}`)!;
      expect(spec.scaleTargetRef.name).toBe(`callbacks-${service}`);
      const watched = spec.triggers.filter((t) => t.type === 'nats-jetstream').map((t) => t.metadata);
      expect(watched.map((m) => [m.stream, m.consumer])).toEqual(consumers);
      for (const metadata of watched) {
        expect(metadata.natsServerMonitoringEndpoint).toBe('nats.nats.svc:8222');
        expect(Number(metadata.lagThreshold)).toBeGreaterThan(0);
      }
      expect(spec.triggers.map((t) => t.type)).toContain('cpu');
      // KEDA owns the replica count: the Deployment leaves it alone.
      expect(deployment(production, service).spec.replicas).toBeUndefined();
    }
    expect(deployment(rendered.default, 'dispatcher').spec.replicas).toBe(1);
  });

  it('scales the matcher and dispatcher by an HPA on CPU when KEDA is off and autoscaling on', async () => {
    const manifests = await render(
      VALUES.default,
      ...['matcher', 'dispatcher'].flatMap((service) => [
        '--set',
        `${service}.autoscaling.enabled=true`,
        '--set',
        `${service}.keda.enabled=false`,
      ]),
    );
    expect(manifests.filter((m) => m.kind === 'ScaledObject')).toEqual([]);
    const hpa = new Map(
      manifests
        .filter((m) => m.kind === 'HorizontalPodAutoscaler')
        .map((m) => [
          m.metadata.name,
          m.spec as { scaleTargetRef: { kind: string; name: string }; maxReplicas: number },
        ]),
    );
    expect([...hpa.keys()].sort()).toEqual(['callbacks-dispatcher', 'callbacks-matcher']);
    for (const service of ['matcher', 'dispatcher']) {
      expect(hpa.get(`callbacks-${service}`)).toMatchObject({
        scaleTargetRef: { kind: 'Deployment', name: `callbacks-${service}` },
        minReplicas: 1,
        maxReplicas: 8,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ],
      });
      // The HPA owns the replica count: the Deployment leaves it alone.
      expect(deployment(manifests, service).spec.replicas).toBeUndefined();
    }
    expect(deployment(manifests, 'config-service').spec.replicas).toBeDefined();
  });
});

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '@callbacks/infra';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The README's first command runs `npm run demo`; this runs that script's command as it stands. */
function demoCommand(): string[] {
  const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const [program, ...args] = (scripts.demo ?? '').split(' ');
  expect(program).toBe('node');
  return args;
}

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run demo', () => {
  it('shows signed webhooks arriving and verified, and Ctrl-C stops everything it started', async () => {
    // Its own nats-server (not one a machine may name in NATS_URL), so that the test can see it
    // stop; a MongoDB-wire server of its own too, unless the machine names one in MONGO_URL.
    const grpcPort = await freePort();
    const httpPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DEMO_GRPC_ADDR: `127.0.0.1:${grpcPort}`,
      DEMO_HTTP_ADDR: `127.0.0.1:${httpPort}`,
    };
    delete env.NATS_URL;
    const demo = spawn(process.execPath, demoCommand(), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    };
    demo.stdout.on('data', onData);
    demo.stderr.on('data', onData);
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    const lineMatching = (pattern: RegExp) =>
      Promise.race([
        new Promise<string>((resolve) => {
          const seen = lines.find((line) => pattern.test(line));
          if (seen) resolve(seen);
          else waiters.push({ pattern, resolve });
        }),
        exited.then((code) => {
          throw new Error(`the demo exited (${code}) before printing ${pattern}:\n${lines.slice(-30).join('\n')}`);
        }),
      ]);

    try {
      const serversLine = await lineMatching(/^demo: NATS nats:\/\/127\.0\.0\.1:\d+ +MongoDB-wire mongodb:/);
      const ports = [
        grpcPort,
        httpPort,
        ...[...serversLine.matchAll(/127\.0\.0\.1:(\d+)/g)]
          .map((m) => Number(m[1]))
          .slice(0, process.env.MONGO_URL ? 1 : 2),
      ];
      await lineMatching(/^demo: Ctrl-C stops everything\./);

      expect(lines).toContain('demo: both expected webhooks arrived, signed and verified.');
      const verified = lines.filter((line) => line.startsWith('receiver: ✓ signature verified'));
      expect(verified).toHaveLength(2);
      expect(verified.join('\n')).toMatch(/profile 1001.*"city":"Amsterdam"/);
      expect(lines.filter((line) => line.includes('REJECTED'))).toEqual([]);
      // The README's curl walk-through, against the demo's HTTP/JSON API.
      const [, token = ''] = /token (\S+)$/.exec(await lineMatching(/^demo: config service: gRPC /)) ?? [];
      await curlWalkThrough(`http://127.0.0.1:${httpPort}`, token, lineMatching);
      // The config service's gRPC and HTTP ports, nats-server's and (when the demo started it) the MongoDB-wire server's.
      expect(await Promise.all(ports.map(listening))).toEqual(ports.map(() => true));

      demo.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(lines).toContain('demo: stopped');
      expect(await Promise.all(ports.map(listening))).toEqual(ports.map(() => false));
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  });
});

/**
 * What the README does with curl, with fetch: create, list, test and delete a callback, and
 * replay a delivery of the demo's callback (its webhook arrives again, verified).
 */
async function curlWalkThrough(
  base: string,
  token: string,
  lineMatching: (pattern: RegExp) => Promise<string>,
): Promise<void> {
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    expect(response.status, `${method} ${path}: ${JSON.stringify(json)}`).toBe(200);
    return { json, etag: response.headers.get('etag') };
  };
  const created = await api('POST', '/v1/callbacks', {
    accountId: '42',
    databaseId: '7',
    url: 'https://example.com/hook',
    actions: ['ACTION_UPDATE'],
  });
  const id = (created.json['callback'] as { id: string }).id;
  expect(created.etag).toBe('"1"');
  const listed = await api('GET', '/v1/callbacks?accountId=42&databaseId=7');
  expect((listed.json['callbacks'] as { id: string }[]).map((c) => c.id)).toContain(id);
  const event = {
    eventId: 'curl-1',
    accountId: '42',
    databaseId: '7',
    profileId: '9',
    action: 'ACTION_UPDATE',
    origin: 'ORIGIN_PUBLISHER',
    occurredAt: new Date().toISOString(),
    fields: { name: 'piet' },
  };
  const tested = await api('POST', `/v1/callbacks/${id}:test`, { event });
  expect(tested.json['matched']).toBe(true);
  expect(await api('DELETE', `/v1/callbacks/${id}`)).toMatchObject({ json: {} });

  const [demoCallback] = ((await api('GET', '/v1/callbacks?accountId=42')).json['callbacks'] as { id: string }[]) ?? [];
  // The delivery log records what the receiver already got a moment later: ask until it has.
  let first: { id: string } | undefined;
  for (let wait = 50; !first; wait = Math.min(wait * 2, 1_000)) {
    [first] = (await api('GET', `/v1/deliveries?callbackId=${demoCallback?.id ?? ''}&state=DELIVERY_STATE_SUCCEEDED`))
      .json['deliveries'] as { id: string }[];
    if (!first) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const replayed = (await api('POST', '/v1/deliveries:replay', { deliveryIds: [first?.id] })).json[
    'deliveryIds'
  ] as string[];
  expect(replayed).toHaveLength(1);
  await lineMatching(new RegExp(`^receiver: ✓ signature verified .*\\(delivery ${replayed[0]}\\)$`));
}

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '@callbacks/infra';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The README's first command runs `npm run demo`; this runs that script's command as it stands. */
function demoCommand(): string[] {
  const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
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
    const env: NodeJS.ProcessEnv = { ...process.env, DEMO_GRPC_ADDR: `127.0.0.1:${grpcPort}` };
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
      const ports = [grpcPort, ...[...serversLine.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])).slice(0, process.env.MONGO_URL ? 1 : 2)];
      await lineMatching(/^demo: Ctrl-C stops everything\./);

      expect(lines).toContain('demo: both expected webhooks arrived, signed and verified.');
      const verified = lines.filter((line) => line.startsWith('receiver: ✓ signature verified'));
      expect(verified).toHaveLength(2);
      expect(verified.join('\n')).toMatch(/profile 1001.*"city":"Amsterdam"/);
      expect(lines.filter((line) => line.includes('REJECTED'))).toEqual([]);
      // The config service's gRPC port, nats-server's and (when the demo started it) the MongoDB-wire server's.
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

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { platformKeyRingEnv } from '@callbacks/testing';
import { BUNDLE, LAUNCHER, rows, runCli } from './run-cli';
import { startWorld, type World } from './world';

const cliPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
// A folder with the bundle and nothing else: no node_modules, no package.json, no repository above it.
const alone = mkdtempSync(join(tmpdir(), 'callbacks-cli-bundle-'));
const script = join(alone, 'main.mjs');
let w: World;

beforeAll(async () => {
  // What `npm run build` makes; built here so the test never runs a stale bundle.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: new URL('..', import.meta.url), stdio: 'ignore' });
  copyFileSync(BUNDLE, script);
  w = await startWorld({ mongoUrl: inject('mongoUrl'), streams: ['events'], serviceEnv: platformKeyRingEnv() });
});
afterAll(async () => {
  await w?.close();
  rmSync(alone, { recursive: true, force: true });
});

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the bundled CLI: one file, run with plain node in a folder with nothing else', () => {
  it('prints its package version and its help', async () => {
    expect(readdirSync(alone)).toEqual(['main.mjs']);
    const version = await runCli(['--version'], { script, cwd: alone });
    expect(version).toEqual({ code: 0, stdout: `callbacks ${cliPackage.version}\n`, stderr: '' });
    const help = await runCli(['--help'], { script, cwd: alone });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: callbacks <callbacks|deliveries|events|keys> <command> [options]');
    const stray = await runCli(['callbacks', 'list', '--version'], { script, cwd: alone });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/version/);
  });

  it('creates, lists and rotates the secret of a callback on a real config service', async () => {
    const options = { script, cwd: alone };
    const create = await w.cli(
      [
        'callbacks',
        'create',
        '--account',
        '42',
        '--database',
        '7',
        '--url',
        'https://hooks.example.com/bundle',
        '--signature-scheme',
        'standard-webhooks-v1',
        '--json',
      ],
      options,
    );
    expect(create.code, create.stderr).toBe(0);
    const created = json(create.stdout);
    expect(created['revealedSecret']['secret']).toMatch(/^whsec_/);
    const list = await w.cli(['callbacks', 'list', '--account', '42', '--json'], options);
    expect(list.code, list.stderr).toBe(0);
    expect(json(list.stdout)['callbacks']).toContainEqual(
      expect.objectContaining({ id: created['id'], url: 'https://hooks.example.com/bundle' }),
    );
    const rotate = await w.cli(['callbacks', 'rotate-secret', created['id'], '--overlap', '2h', '--json'], options);
    expect(rotate.code, rotate.stderr).toBe(0);
    const rotated = json(rotate.stdout);
    expect(rotated['secret']['secret']).toMatch(/^whsec_/);
    expect(rotated['secret']['secret']).not.toBe(created['revealedSecret']['secret']);
  });

  it('publishes an event on NATS', async () => {
    const publish = await w.cli(
      [
        'events',
        'publish',
        '--account',
        '42',
        '--database',
        '7',
        '--profile',
        '1',
        '--action',
        'update',
        '--origin',
        'publisher',
      ],
      { script, cwd: alone, env: { NATS_URL: w.nats.url } },
    );
    expect(publish.code, publish.stderr).toBe(0);
    expect(rows(publish.stdout)[1]).toEqual([
      expect.stringMatching(/^cli-/),
      'CALLBACK_EVENTS',
      expect.stringMatching(/^\d+$/),
      'no',
    ]);
  });
});

describe("the package's bin (npx callbacks, npm run cli)", () => {
  it('runs the bundle from any folder', async () => {
    const version = await runCli(['--version'], { script: LAUNCHER, cwd: alone });
    expect(version).toEqual({ code: 0, stdout: `callbacks ${cliPackage.version}\n`, stderr: '' });
    const list = await w.cli(['callbacks', 'list', '--account', '42', '--json'], { script: LAUNCHER, cwd: alone });
    expect(list.code, list.stderr).toBe(0);
    expect(json(list.stdout)['callbacks'].length).toBeGreaterThan(0);
  });

  it('rebuilds a bundle older than its sources before running it, keeping stdout for the command', async () => {
    utimesSync(BUNDLE, new Date(0), new Date(0));
    const version = await runCli(['--version'], { script: LAUNCHER, cwd: alone });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toBe(`callbacks ${cliPackage.version}\n`);
    expect(version.stderr).toMatch(/^callbacks: building dist\/tools\/cli\/main\.mjs \(\S+ changed\)\n/);
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });
});

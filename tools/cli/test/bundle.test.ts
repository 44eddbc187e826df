import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUNDLE, runCli } from './run-cli';
import { startWorld, type World } from './world';

const cliPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const elsewhere = mkdtempSync(join(tmpdir(), 'callbacks-cli-bundle-'));
let w: World;

beforeAll(async () => {
  // What `npm run build` makes; built here so the test never runs a stale bundle.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: new URL('..', import.meta.url), stdio: 'ignore' });
  w = await startWorld({ mongoUrl: inject('mongoUrl') });
});
afterAll(async () => {
  await w?.close();
  rmSync(elsewhere, { recursive: true, force: true });
});

describe('the bundled CLI, run with plain node (no tsx)', () => {
  it('is one file that loads no TypeScript tooling', () => {
    expect(readFileSync(BUNDLE, 'utf8')).not.toMatch(/from ["']tsx|\.ts["']\)/);
  });

  it('prints its package version and its help from any folder', async () => {
    const version = await runCli(['--version'], { bundled: true, cwd: elsewhere });
    expect(version).toEqual({ code: 0, stdout: `callbacks ${cliPackage.version}\n`, stderr: '' });
    const help = await runCli(['--help'], { bundled: true, cwd: elsewhere });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: callbacks <callbacks|deliveries|events|keys> <command> [options]');
    const stray = await runCli(['callbacks', 'list', '--version'], { bundled: true, cwd: elsewhere });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/version/);
  });

  it('creates and lists a callback on a real config service', async () => {
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
        '--json',
      ],
      { bundled: true, cwd: elsewhere },
    );
    expect(create.code, create.stderr).toBe(0);
    const { id } = JSON.parse(create.stdout) as { id: string };
    const list = await w.cli(['callbacks', 'list', '--account', '42', '--json'], { bundled: true, cwd: elsewhere });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { callbacks: { id: string; url: string }[] }).callbacks).toContainEqual(
      expect.objectContaining({ id, url: 'https://hooks.example.com/bundle' }),
    );
  });
});

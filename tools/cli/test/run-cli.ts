import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(ROOT, 'tools/cli/src/cli.ts');
// By URL, so that a test may run the CLI in any folder (tsx is found from the repository).
const TSX = import.meta.resolve('tsx');
/** What `npm run build` makes of the CLI: one file that plain `node` runs, with nothing beside it. */
export const BUNDLE = join(ROOT, 'dist/tools/cli/main.mjs');
/** The package's `bin` (what `npx callbacks` runs): a launcher of the bundle. */
export const LAUNCHER = join(ROOT, 'node_modules/.bin/callbacks');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a process, as a person or a script would: `node --import tsx cli.ts …` (or
 * `node <script> …` with `script`, the bundle or the launcher), with only the environment given
 * (so nothing leaks in from the test runner's), optional stdin.
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string; script?: string } = {},
): Promise<CliRun> {
  const program = options.script ? [options.script] : ['--import', TSX, CLI];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...program, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The rows of a table the CLI printed: header first, cells split on runs of 2+ spaces. */
export function rows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {2,}/));
}

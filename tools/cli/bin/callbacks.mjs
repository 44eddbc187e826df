#!/usr/bin/env node
// `npx callbacks …` and `npm run cli -- …` in the workspace: runs the CLI's bundle
// (dist/tools/cli/main.mjs: one file, plain node, no tsx). When the bundle is missing or older
// than a source it was built from (inputs.json beside it), it is built first, with esbuild, so
// the command always runs the code that is checked out.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliRoot = fileURLToPath(new URL('..', import.meta.url));
const root = join(cliRoot, '../..');
const bundle = join(root, 'dist/tools/cli/main.mjs');

const stale = staleness();
if (stale) {
  process.stderr.write(`callbacks: building ${relative(root, bundle)} (${stale})\n`);
  // The build's own output goes to stderr: stdout is the command's, which scripts read.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: cliRoot, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) {
    const why = build.error ? build.error.message : `exit code ${build.status ?? build.signal}`;
    process.stderr.write(
      `callbacks: the CLI could not be built (${why}); run 'npm ci' and 'npm run build -w @callbacks/cli' in ${root}\n`,
    );
    process.exit(1);
  }
}
await import(pathToFileURL(bundle).href);

/** Why the bundle must be (re)built, or undefined when it is current. */
function staleness() {
  const built = statSync(bundle, { throwIfNoEntry: false });
  if (!built) return 'not built yet';
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(bundle, '../inputs.json'), 'utf8')).inputs;
  } catch (error) {
    return `its list of sources is unreadable: ${error.code ?? error.message}`;
  }
  for (const input of inputs) {
    const source = statSync(join(root, input), { throwIfNoEntry: false });
    if (!source) return `${input} is gone`;
    if (source.mtimeMs > built.mtimeMs) return `${input} changed`;
  }
  return undefined;
}

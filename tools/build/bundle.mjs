#!/usr/bin/env node
// Bundles one app's TypeScript (with the workspace libraries it imports) into
// dist/apps/<app>/main.mjs, or a tool's (a name with a folder, `tools/cli`) into dist/<name>/main.mjs.
//
// By default third-party packages stay external: a deployment installs them with
// `npm ci --omit=dev`, which keeps native or path-dependent packages (grpc, mongodb) intact.
// With --self-contained every package is bundled too (only node: built-ins stay outside), for a
// tool that must run as one file with plain `node` and nothing beside it (the CLI); the sources it
// was built from are listed in inputs.json beside it, for a launcher to tell when it is stale.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const selfContained = args.includes('--self-contained');
const [app, entry = `apps/${app}/src/main.ts`, ...rest] = args.filter((arg) => arg !== '--self-contained');
if (!app || rest.length > 0 || [app, entry].some((arg) => arg.startsWith('-'))) {
  console.error(
    'usage: node tools/build/bundle.mjs <name> [entry, default apps/<name>/src/main.ts] [--self-contained]',
  );
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = selfContained
  ? []
  : Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).flatMap((name) => [name, `${name}/*`]);
const outdir = join(root, app.includes('/') ? join('dist', app) : join('dist/apps', app));
const outfile = join(outdir, 'main.mjs');

const result = await build({
  entryPoints: [join(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  absWorkingDir: root,
  metafile: selfContained,
  // Written below, each file whole: a launcher may import the bundle while it is being rebuilt.
  write: false,
  // Top-level await and import.meta work in ESM bundles; this names the bundle's own folder
  // (and gives bundled CommonJS packages the `require` their built-in imports go through).
  // The shebang lets a bundled tool run as `./main.mjs` too; node ignores it.
  banner: {
    js: `#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);`,
  },
});
if (selfContained) {
  // esbuild's own record of what the bundle imports at run time: node: built-ins only.
  const { imports } = result.metafile.outputs[relative(root, outfile)];
  const outside = [...new Set(imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))];
  if (outside.length > 0) fail(`the bundle still imports ${outside.join(', ')}: it would not run on its own`);
  // libs/proto's descriptor sets are files beside the module; a bundle alone has none.
  if (Object.keys(result.metafile.inputs).some((input) => input.endsWith('libs/proto/src/descriptor.ts')))
    fail('the bundle reads descriptor sets from gen/ (libs/proto/src/descriptor.ts): it would not run on its own');
}
mkdirSync(outdir, { recursive: true });
for (const file of result.outputFiles) writeWhole(file.path, file.contents, file.path === outfile ? 0o755 : 0o644);
if (selfContained) {
  // Workspace sources only: a package changes with package-lock.json, which is listed instead.
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.split('/').includes('node_modules'));
  rmSync(join(outdir, 'gen'), { recursive: true, force: true }); // left by a build without --self-contained
  writeWhole(join(outdir, 'inputs.json'), `${JSON.stringify({ inputs: [...inputs, 'package-lock.json'] }, null, 2)}\n`);
} else {
  // libs/proto reads its descriptor sets next to the module that loads them (gen/*.binpb).
  mkdirSync(join(outdir, 'gen'), { recursive: true });
  for (const set of ['descriptor.binpb', 'health.binpb'])
    copyFileSync(join(root, 'libs/proto/src/gen', set), join(outdir, 'gen', set));
}
console.log(`built ${relative(root, outfile)}${selfContained ? ' (self-contained)' : ''}`);

function writeWhole(path, contents, mode = 0o644) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

function fail(message) {
  console.error(`bundle ${app}: ${message}`);
  process.exit(1);
}

#!/usr/bin/env node
// Bundles one app's TypeScript (with the workspace libraries it imports) into
// dist/apps/<app>/main.mjs. Third-party packages stay external: a deployment installs them with
// `npm ci --omit=dev`, which keeps native or path-dependent packages (grpc, mongodb) intact.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const [app, entry = `apps/${app}/src/main.ts`] = process.argv.slice(2);
if (!app) {
  console.error('usage: node tools/build/bundle.mjs <name> [entry, default apps/<name>/src/main.ts]');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).flatMap((name) => [name, `${name}/*`]);
const outdir = join(root, 'dist/apps', app);

await build({
  entryPoints: [join(root, entry)],
  outfile: join(outdir, 'main.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  // Top-level await and import.meta work in ESM bundles; this names the bundle's own folder.
  banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);` },
});
// libs/proto reads its descriptor sets next to the module that loads them (gen/*.binpb).
mkdirSync(join(outdir, 'gen'), { recursive: true });
for (const set of ['descriptor.binpb', 'health.binpb'])
  copyFileSync(join(root, 'libs/proto/src/gen', set), join(outdir, 'gen', set));
console.log(`built dist/apps/${app}/main.mjs`);

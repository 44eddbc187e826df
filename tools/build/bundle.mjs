#!/usr/bin/env node
// Bundles one app's TypeScript (with the workspace libraries it imports) into
// dist/apps/<app>/main.mjs. Third-party packages stay external: a deployment installs them with
// `npm ci --omit=dev`, which keeps native or path-dependent packages (grpc, mongodb) intact.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = process.argv[2];
if (!app) {
  console.error('usage: node tools/build/bundle.mjs <app>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).flatMap((name) => [name, `${name}/*`]);
const outdir = join(root, 'dist/apps', app);

await build({
  entryPoints: [join(root, 'apps', app, 'src/main.ts')],
  outfile: join(outdir, 'main.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
});
// libs/proto reads its descriptor set next to the module that loads it (gen/descriptor.binpb).
mkdirSync(join(outdir, 'gen'), { recursive: true });
copyFileSync(join(root, 'libs/proto/src/gen/descriptor.binpb'), join(outdir, 'gen/descriptor.binpb'));
console.log(`built dist/apps/${app}/main.mjs`);

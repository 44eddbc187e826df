#!/usr/bin/env node
// Bundles one app's TypeScript (with the workspace libraries it imports) into
// dist/apps/<app>/main.mjs, or a tool's (a name with a folder, `tools/cli`) into dist/<name>/main.mjs. Third-party packages stay external: a deployment installs them with
// `npm ci --omit=dev`, which keeps native or path-dependent packages (grpc, mongodb) intact.
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
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
const outdir = join(root, app.includes('/') ? join('dist', app) : join('dist/apps', app));

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
  // The shebang lets a bundled tool run as `./main.mjs` too; node ignores it.
  banner: {
    js: `#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);`,
  },
});
chmodSync(join(outdir, 'main.mjs'), 0o755);
// libs/proto reads its descriptor sets next to the module that loads them (gen/*.binpb).
mkdirSync(join(outdir, 'gen'), { recursive: true });
for (const set of ['descriptor.binpb', 'health.binpb'])
  copyFileSync(join(root, 'libs/proto/src/gen', set), join(outdir, 'gen', set));
console.log(`built ${relative(root, join(outdir, 'main.mjs'))}`);

#!/usr/bin/env node
// Builds a library into an installable npm package in dist/libs/<lib>: ESM and CJS bundles of
// src/index.ts (node: built-ins only, so nothing stays external), type declarations from tsc, and
// a package.json with an `exports` map. `npm pack dist/libs/<lib>` then gives the tarball that
// receivers install; the in-repo package.json keeps pointing at the TypeScript source.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const [lib] = process.argv.slice(2);
if (!lib) {
  console.error('usage: node tools/build/package-lib.mjs <lib folder under libs/>');
  process.exit(2);
}
const source = join(root, 'libs', lib);
const outdir = join(root, 'dist/libs', lib);
const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
rmSync(outdir, { recursive: true, force: true });

for (const [format, file] of [
  ['esm', 'index.mjs'],
  ['cjs', 'index.cjs'],
]) {
  await build({
    entryPoints: [join(source, 'src/index.ts')],
    outfile: join(outdir, file),
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}

// Declarations for the source files (tests excluded), next to each other as in src/.
const tsconfig = join(outdir, 'tsconfig.declarations.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: join(root, 'tsconfig.base.json'),
    compilerOptions: {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: join(source, 'src'),
      outDir: join(outdir, 'types'),
    },
    include: [join(source, 'src/**/*.ts')],
    exclude: [join(source, 'src/**/*.test.ts')],
  }),
);
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit' });
} finally {
  rmSync(tsconfig);
}
// The source imports './verifier'; Node's ESM resolution (and TypeScript's `nodenext`) wants
// './verifier.js' or './rfc9421/index.js', so the declarations get the extension the file has.
for (const file of walk(join(outdir, 'types'))) {
  const text = readFileSync(file, 'utf8').replace(/(from |import\()'(\.{1,2}\/[^']+)'/g, (_match, lead, spec) => {
    const target = join(dirname(file), spec);
    const resolved = exists(`${target}.d.ts`) ? `${spec}.js` : `${spec}/index.js`;
    return `${lead}'${resolved}'`;
  });
  writeFileSync(file, text);
}
// CommonJS consumers get the same declarations marked as CommonJS, so TypeScript does not take
// the `require` entry for an ES module.
cpSync(join(outdir, 'types'), join(outdir, 'types-cjs'), { recursive: true });
writeFileSync(join(outdir, 'types-cjs/package.json'), '{ "type": "commonjs" }\n');

const { private: _private, exports: _exports, scripts: _scripts, devDependencies: _dev, nx: _nx, ...kept } = pkg;
const published = {
  ...kept,
  license: pkg.license ?? 'UNLICENSED',
  engines: { node: '>=20' },
  main: './index.cjs',
  module: './index.mjs',
  types: './types/index.d.ts',
  exports: {
    '.': {
      import: { types: './types/index.d.ts', default: './index.mjs' },
      require: { types: './types-cjs/index.d.ts', default: './index.cjs' },
    },
    './package.json': './package.json',
  },
  sideEffects: false,
};
writeFileSync(join(outdir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
if (exists(join(source, 'README.md'))) cpSync(join(source, 'README.md'), join(outdir, 'README.md'));
console.log(`built ${relative(root, outdir)} (${pkg.name}@${pkg.version})`);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (name.endsWith('.d.ts')) yield path;
  }
}

function exists(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
